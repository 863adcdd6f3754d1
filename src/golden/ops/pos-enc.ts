import { fourierPosEnc, linspace01 } from '../../resshift/augment.js';
import type { CaseContext } from '../context.js';
import { HIGH_FREQ_TRIG, SINGLE_OP } from '../tolerance.js';
import type { GoldenHandler, HostTensor } from '../types.js';
import type { Tensor } from '../../tensor/index.js';

/** The 2-D Fourier positional encoding: output; optional linspace_H / linspace_W. */
export const posEncHandler: GoldenHandler = {
  ops: ['fourier_pos_enc_2d'],
  isGiven: () => false,
  isOptional: (n) => n.startsWith('linspace_'),
  tolerance: (n) => (n === 'output' ? HIGH_FREQ_TRIG : SINGLE_OP),
  run(ctx: CaseContext) {
    ctx.onlyArgs(['H', 'W', 'n_freqs', 'base']);
    const H = ctx.int('H');
    const W = ctx.int('W');
    // sin and cos of x and y at each frequency
    ctx.checkSize('output', [1, 4 * ctx.int('n_freqs', 6), H, W]);
    return new Map<string, Tensor | HostTensor>([
      ['output', fourierPosEnc(H, W, ctx.int('n_freqs', 6), ctx.num('base', 2), { backend: ctx.backend })],
      ['linspace_H', { shape: [H], data: linspace01(H) }],
      ['linspace_W', { shape: [W], data: linspace01(W) }],
    ]);
  },
};
