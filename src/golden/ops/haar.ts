import { dwtHaar, idwtHaar } from '../../freq/index.js';
import { backwardWith, takeGrad, type CaseContext } from '../context.js';
import type { GoldenHandler } from '../types.js';

// For the 2-tap Haar filter and even sizes, pytorch_wavelets pads by 2(out-1) - N + L = 0 samples
// in each of these modes, so they all give the same transform.
const MODES = ['reflect', 'zero', 'symmetric', 'periodization'];

function checkArgs(ctx: CaseContext): void {
  ctx.requireDefault('wave', (v) => v === 'haar', "wave='haar'");
  ctx.requireDefault('mode', (v) => typeof v === 'string' && MODES.includes(v), `mode in ${MODES.join('/')}`);
}

function checkEven(shape: readonly number[]): void {
  const [h, w] = shape.slice(-2);
  if (h % 2 || w % 2) throw new Error(`Haar DWT needs even H and W, got [${shape}]`);
}

/** One-level Haar DWT (pytorch_wavelets layout) and its inverse, with gradients. */
export const haarHandler: GoldenHandler = {
  ops: ['haar_dwt', 'haar_idwt'],
  isGiven: (n) => n.startsWith('input') || n.startsWith('grad_output'),
  run(ctx: CaseContext) {
    if (ctx.op === 'haar_dwt') {
      ctx.onlyArgs(['J', 'wave', 'mode']);
      checkArgs(ctx);
      ctx.requireDefault('J', (v) => v === 1, 'J=1');
      const x = ctx.input('input', true);
      checkEven(x.shape);
      const { yl, yh } = dwtHaar(x);
      backwardWith([
        [yl, ctx.input('grad_output.yl')],
        [yh, ctx.input('grad_output.yh')],
      ]);
      return new Map([
        ['output.yl', yl],
        ['output.yh', yh],
        ['grad.input', takeGrad(x)],
      ]);
    }
    ctx.onlyArgs(['wave', 'mode']);
    checkArgs(ctx);
    const yl = ctx.input('input.yl', true);
    const yh = ctx.input('input.yh', true);
    const y = idwtHaar(yl, yh);
    backwardWith([[y, ctx.input('grad_output')]]);
    return new Map([
      ['output', y],
      ['grad.yl', takeGrad(yl)],
      ['grad.yh', takeGrad(yh)],
    ]);
  },
};
