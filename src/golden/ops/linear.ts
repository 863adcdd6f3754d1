import { linear } from '../../tensor/index.js';
import { layerLeaves, layerResults, type CaseContext } from '../context.js';
import type { GoldenHandler } from '../types.js';

/** linear (y = x Wᵀ + b): output and the gradients of input, weight and (when args.bias) bias. */
export const linearHandler: GoldenHandler = {
  ops: ['linear'],
  isGiven: (n) => n === 'input' || n === 'weight' || n === 'bias' || n === 'grad_output',
  run(ctx: CaseContext) {
    ctx.onlyArgs(['bias', 'in_features', 'out_features']);
    const leaves = layerLeaves(ctx);
    const { x, w, b } = leaves;
    for (const [key, dim] of [['out_features', 0], ['in_features', 1]] as const) {
      if (ctx.arg(key) !== undefined && ctx.int(key) !== w.shape[dim]) throw new Error(`${key}=${ctx.int(key)} does not match weight [${w.shape}]`);
    }
    return layerResults(ctx, linear(x, w, b), leaves);
  },
};
