import { interpolateBilinear, type InterpolateOptions } from '../../tensor/index.js';
import { backwardWith, takeGrad, type CaseContext } from '../context.js';
import type { GoldenHandler } from '../types.js';

function scalePair(ctx: CaseContext): [number, number] {
  const v = ctx.arg('scale_factor');
  if (typeof v === 'number') return [v, v];
  const l = ctx.numList('scale_factor');
  if (l.length !== 2) throw new Error(`scale_factor needs 1 or 2 values, got ${JSON.stringify(v)}`);
  return [l[0], l[1]];
}

/**
 * F.interpolate(mode='bilinear') of a 4-D input by scale factor or size, either align_corners:
 * output and grad.input.
 */
export const interpolateHandler: GoldenHandler = {
  ops: ['interpolate'],
  isGiven: (n) => n === 'input' || n === 'grad_output',
  run(ctx: CaseContext) {
    ctx.onlyArgs(['mode', 'scale_factor', 'size', 'align_corners', 'recompute_scale_factor', 'antialias']);
    const mode = ctx.str('mode', 'nearest');
    if (mode !== 'bilinear') ctx.unsupported(`mode='${mode}' (only bilinear is implemented)`);
    ctx.requireDefault('antialias', (v) => v === false, 'antialias=False');
    const x = ctx.input('input', true);
    if (x.rank !== 4) throw new Error(`bilinear interpolation needs a 4-D input, got [${x.shape}]`);
    const alignCorners = ctx.arg('align_corners') === null ? false : ctx.bool('align_corners', false);
    const hasSize = ctx.arg('size') !== undefined && ctx.arg('size') !== null;
    const hasScale = ctx.arg('scale_factor') !== undefined && ctx.arg('scale_factor') !== null;
    if (hasSize === hasScale) throw new Error('give exactly one of size and scale_factor');
    let opts: InterpolateOptions;
    if (hasSize) {
      opts = { size: ctx.pair('size'), alignCorners };
    } else {
      const sf = scalePair(ctx);
      // recompute_scale_factor=True: PyTorch turns the factor into a size and forgets the factor
      opts = ctx.arg('recompute_scale_factor') === true
        ? { size: [Math.floor(x.shape[2] * sf[0]), Math.floor(x.shape[3] * sf[1])], alignCorners }
        : { scaleFactor: sf, alignCorners };
    }
    const outHW = opts.size ?? [Math.floor(x.shape[2] * (opts.scaleFactor as [number, number])[0]), Math.floor(x.shape[3] * (opts.scaleFactor as [number, number])[1])];
    ctx.checkSize('output', [x.shape[0], x.shape[1], ...outHW]);
    const y = interpolateBilinear(x, opts);
    backwardWith([[y, ctx.input('grad_output')]]);
    return new Map([
      ['output', y],
      ['grad.input', takeGrad(x)],
    ]);
  },
};
