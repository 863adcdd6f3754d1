import { dct2d, dctBasisValues, idct2d } from '../../freq/index.js';
import { backwardWith, takeGrad, type CaseContext } from '../context.js';
import type { CaseOutputs, GoldenHandler } from '../types.js';

/** Orthonormal 2-D DCT-II over the last two axes and its inverse: output and grad.input. */
export const dctHandler: GoldenHandler = {
  ops: ['dct_2d', 'idct_2d'],
  isGiven: (n) => n === 'input' || n === 'grad_output',
  isOptional: (n) => n.startsWith('dct_matrix_'),
  run(ctx: CaseContext) {
    ctx.onlyArgs(['norm', 'type', 'dims']);
    // torch_dct's default (norm=None) is the unnormalised transform
    if (ctx.arg('norm') !== 'ortho') ctx.unsupported(`norm=${JSON.stringify(ctx.arg('norm') ?? null)} (only 'ortho' is implemented)`);
    ctx.requireDefault('type', (v) => v === 2, 'type 2');
    const x = ctx.input('input', true);
    if (x.rank < 2) throw new Error(`input [${x.shape}] needs at least 2 axes`);
    ctx.requireDefault('dims', (v) => Array.isArray(v) && v.length === 2 && (v[0] === -2 || v[0] === x.rank - 2) && (v[1] === -1 || v[1] === x.rank - 1), 'the last two axes');
    const y = ctx.op === 'dct_2d' ? dct2d(x) : idct2d(x);
    backwardWith([[y, ctx.input('grad_output')]]);
    const out: CaseOutputs = new Map([
      ['output', y],
      ['grad.input', takeGrad(x)],
    ]);
    const [H, W] = x.shape.slice(-2);
    // the float64 basis rounded to float32, as the reference builds it
    out.set('dct_matrix_H', { shape: [H, H], data: Float32Array.from(dctBasisValues(H)) });
    out.set('dct_matrix_W', { shape: [W, W], data: Float32Array.from(dctBasisValues(W)) });
    return out;
  },
};
