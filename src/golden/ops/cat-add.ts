import { add, concat, reshape } from '../../tensor/index.js';
import { backwardWith, takeGrad, type CaseContext } from '../context.js';
import type { GoldenHandler } from '../types.js';

/** cat([a, b], dim) + t_emb viewed with trailing unit axes (the UNet's skip + time embedding). */
export const catAddHandler: GoldenHandler = {
  ops: ['cat_add'],
  isGiven: (n) => n === 'a' || n === 'b' || n === 't_emb' || n === 'grad_output',
  run(ctx: CaseContext) {
    ctx.onlyArgs(['cat_dim', 't_emb_view']);
    const a = ctx.input('a', true);
    const b = ctx.input('b', true);
    const te = ctx.input('t_emb', true);
    const cat = concat([a, b], ctx.int('cat_dim', 1));
    if (te.rank > cat.rank) throw new Error(`t_emb [${te.shape}] has more axes than the concatenation [${cat.shape}]`);
    const y = add(cat, reshape(te, [...te.shape, ...new Array<number>(cat.rank - te.rank).fill(1)]));
    backwardWith([[y, ctx.input('grad_output')]]);
    return new Map([
      ['output', y],
      ['grad.a', takeGrad(a)],
      ['grad.b', takeGrad(b)],
      ['grad.t_emb', takeGrad(te)],
    ]);
  },
};
