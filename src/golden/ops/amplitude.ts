import { localAmplitudeParts } from '../../resshift/augment.js';
import { backwardWith, takeGrad, type CaseContext } from '../context.js';
import type { GoldenHandler } from '../types.js';

/** local_amplitude: output, grad.input; optional intermediate.* (mu, mu2, var, amp_raw, amin, amax). */
export const amplitudeHandler: GoldenHandler = {
  ops: ['local_amplitude'],
  isGiven: (n) => n === 'input' || n === 'grad_output',
  isOptional: (n) => n.startsWith('intermediate.'),
  run(ctx: CaseContext) {
    ctx.onlyArgs(['kernel_size', 'eps', 'pool']);
    // the pool description is informational; any other pooling than the reference's is refused
    ctx.requireDefault('pool', (v) => typeof v === 'string' && /^avg_pool2d\(k, ?1, ?k\/\/2, ?count_include_pad=True\)$/.test(v), 'avg_pool2d(k,1,k//2,count_include_pad=True)');
    const x = ctx.input('input', true);
    const p = localAmplitudeParts(x, ctx.int('kernel_size', 7), ctx.num('eps', 1e-6));
    backwardWith([[p.output, ctx.input('grad_output')]]);
    return new Map([
      ['output', p.output],
      ['grad.input', takeGrad(x)],
      ['intermediate.mu', p.mu],
      ['intermediate.mu2', p.mu2],
      ['intermediate.var', p.variance],
      ['intermediate.amp_raw', p.ampRaw],
      ['intermediate.amin', p.amin],
      ['intermediate.amax', p.amax],
    ]);
  },
};
