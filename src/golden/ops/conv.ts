import { conv2d } from '../../tensor/index.js';
import { layerLeaves, layerResults, windowOutput, type CaseContext } from '../context.js';
import type { GoldenHandler } from '../types.js';

const isOne = (v: unknown) => v === 1 || (Array.isArray(v) && v.every((d) => d === 1));

/** conv2d: output and the gradients of input, weight and (when args.bias) bias. */
export const conv2dHandler: GoldenHandler = {
  ops: ['conv2d'],
  isGiven: (n) => n === 'input' || n === 'weight' || n === 'bias' || n === 'grad_output',
  run(ctx: CaseContext) {
    ctx.onlyArgs(['stride', 'padding', 'dilation', 'groups', 'kernel_size', 'bias', 'padding_mode']);
    ctx.requireDefault('dilation', isOne, 'dilation 1');
    ctx.requireDefault('groups', (v) => v === 1, 'groups 1');
    ctx.requireDefault('padding_mode', (v) => v === 'zeros', "padding_mode 'zeros'");
    let padding: [number, number];
    const padArg = ctx.arg('padding');
    if (typeof padArg === 'string') {
      if (padArg !== 'valid') ctx.unsupported(`padding='${padArg}' (only numeric padding and 'valid' are implemented)`);
      padding = [0, 0];
    } else {
      padding = ctx.pair('padding', 0);
    }
    const stride = ctx.pair('stride', 1);
    const leaves = layerLeaves(ctx);
    const { x, w, b } = leaves;
    if (ctx.arg('kernel_size') !== undefined) {
      const k = ctx.pair('kernel_size');
      if (w.rank !== 4 || k[0] !== w.shape[2] || k[1] !== w.shape[3]) throw new Error(`kernel_size [${k}] does not match weight [${w.shape}]`);
    }
    if (x.rank === 4 && w.rank === 4) {
      ctx.checkSize('output', [x.shape[0], w.shape[0], windowOutput(x.shape[2], w.shape[2], stride[0], padding[0]), windowOutput(x.shape[3], w.shape[3], stride[1], padding[1])]);
    }
    return layerResults(ctx, conv2d(x, w, b, { stride, padding }), leaves);
  },
};
