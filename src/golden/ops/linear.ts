import { linear } from '../../tensor/index.js';
import { backwardWith, takeGrad, type CaseContext } from '../context.js';
import type { GoldenHandler } from '../types.js';

/** linear (y = x Wᵀ + b): output and the gradients of input, weight and (when args.bias) bias. */
export const linearHandler: GoldenHandler = {
  ops: ['linear'],
  isGiven: (n) => n === 'input' || n === 'weight' || n === 'bias' || n === 'grad_output',
  run(ctx: CaseContext) {
    ctx.onlyArgs(['bias', 'in_features', 'out_features']);
    const hasBias = ctx.arg('bias') === undefined ? ctx.has('bias') : ctx.bool('bias');
    const x = ctx.input('input', true);
    const w = ctx.input('weight', true);
    const b = hasBias ? ctx.input('bias', true) : null;
    for (const [key, dim] of [['out_features', 0], ['in_features', 1]] as const) {
      if (ctx.arg(key) !== undefined && ctx.int(key) !== w.shape[dim]) throw new Error(`${key}=${ctx.int(key)} does not match weight [${w.shape}]`);
    }
    const y = linear(x, w, b);
    backwardWith([[y, ctx.input('grad_output')]]);
    const out = new Map([
      ['output', y],
      ['grad.input', takeGrad(x)],
      ['grad.weight', takeGrad(w)],
    ]);
    if (b) out.set('grad.bias', takeGrad(b));
    return out;
  },
};
