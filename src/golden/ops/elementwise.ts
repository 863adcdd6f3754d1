import { cos, gelu, relu, sin, type Tensor } from '../../tensor/index.js';
import { backwardWith, takeGrad, type CaseContext } from '../context.js';
import type { GoldenHandler } from '../types.js';

const FNS: Record<string, (x: Tensor) => Tensor> = { relu, gelu, sin, cos };

/** Unary activations: output and grad.input. GELU only in its exact erf form. */
export const elementwiseHandler: GoldenHandler = {
  ops: Object.keys(FNS),
  isGiven: (n) => n === 'input' || n === 'grad_output',
  run(ctx: CaseContext) {
    if (ctx.op === 'gelu') {
      ctx.onlyArgs(['approximate']);
      ctx.requireDefault('approximate', (v) => v === 'none', "approximate='none'");
    } else {
      ctx.onlyArgs(['inplace']);
    }
    const x = ctx.input('input', true);
    const y = FNS[ctx.op](x);
    backwardWith([[y, ctx.input('grad_output')]]);
    return new Map([
      ['output', y],
      ['grad.input', takeGrad(x)],
    ]);
  },
};
