import { avgPool2d, maxPool2d } from '../../tensor/index.js';
import { backwardWith, takeGrad, windowOutput, type CaseContext } from '../context.js';
import type { GoldenHandler } from '../types.js';

const isOne = (v: unknown) => v === 1 || (Array.isArray(v) && v.every((d) => d === 1));

// PyTorch's default stride is the kernel size; it is spelled None or [] in the arguments.
function windows(ctx: CaseContext): { kernel: [number, number]; stride: [number, number]; padding: [number, number] } {
  const kernel = ctx.pair('kernel_size');
  const s = ctx.arg('stride');
  const stride = s === null || s === undefined || (Array.isArray(s) && s.length === 0) ? kernel : ctx.pair('stride');
  return { kernel, stride, padding: ctx.pair('padding', 0) };
}

/** max_pool2d / avg_pool2d in floor mode: output and grad.input. */
export const poolHandler: GoldenHandler = {
  ops: ['max_pool2d', 'avg_pool2d'],
  isGiven: (n) => n === 'input' || n === 'grad_output',
  run(ctx: CaseContext) {
    ctx.requireDefault('ceil_mode', (v) => v === false, 'ceil_mode=False');
    const { kernel, stride, padding } = windows(ctx);
    const x = ctx.input('input', true);
    if (x.rank === 4) ctx.checkSize('output', [x.shape[0], x.shape[1], windowOutput(x.shape[2], kernel[0], stride[0], padding[0]), windowOutput(x.shape[3], kernel[1], stride[1], padding[1])]);
    let y;
    if (ctx.op === 'max_pool2d') {
      ctx.onlyArgs(['kernel_size', 'stride', 'padding', 'ceil_mode', 'dilation', 'return_indices']);
      ctx.requireDefault('dilation', isOne, 'dilation 1');
      y = maxPool2d(x, kernel, { stride, padding });
    } else {
      ctx.onlyArgs(['kernel_size', 'stride', 'padding', 'ceil_mode', 'count_include_pad', 'divisor_override']);
      ctx.requireDefault('divisor_override', () => false, 'divisor_override=None');
      y = avgPool2d(x, kernel, { stride, padding, countIncludePad: ctx.bool('count_include_pad', true) });
    }
    backwardWith([[y, ctx.input('grad_output')]]);
    return new Map([
      ['output', y],
      ['grad.input', takeGrad(x)],
    ]);
  },
};
