// Reference one-level orthonormal 2-D Haar transform over the last two axes, by lifting: along W
// first, then along H, the inverse undoing each step in reverse order. Signs follow pywt and
// pytorch_wavelets (high-pass = even sample minus odd sample), bands ordered LL, (low W, high H),
// (high W, low H), HH, i.e. pywt's cA, cH, cV, cD.
//
// Orthonormal means ihaar2d is both the inverse and the adjoint of haar2d, so each is the other's
// gradient.

import { haar2dGeometry, ihaar2dGeometry } from '../shapes.js';
import type { Attrs } from '../types.js';
import type { RefTensor } from './backend.js';

const SQRT2 = Math.SQRT2;

/** input [..., H, W] with H, W even; output [..., 4, H/2, W/2]. */
export function haar2d(inputs: readonly RefTensor[], outputs: readonly RefTensor[], _attrs: Attrs): void {
  const [x] = inputs;
  const out = outputs[0];
  const { planes, H, W, h, w } = haar2dGeometry(x.shape, out.shape);
  const band = h * w;
  const xd = x.buf.data;
  const od = out.buf.data;

  for (let p = 0; p < planes; p++) {
    const xBase = p * H * W;
    const oBase = p * 4 * band;
    for (let i = 0; i < h; i++) {
      const top = xBase + 2 * i * W;
      const bot = top + W;
      for (let j = 0; j < w; j++) {
        // Along W, on the top row (a, b) and the bottom row (c, d).
        const dTop = xd[top + 2 * j] - xd[top + 2 * j + 1];
        const sTop = xd[top + 2 * j + 1] + dTop / 2;
        const dBot = xd[bot + 2 * j] - xd[bot + 2 * j + 1];
        const sBot = xd[bot + 2 * j + 1] + dBot / 2;
        const loTop = sTop * SQRT2, hiTop = dTop / SQRT2;
        const loBot = sBot * SQRT2, hiBot = dBot / SQRT2;
        // Along H, pairing the low-W parts, then the high-W parts.
        const dLo = loTop - loBot;
        const sLo = loBot + dLo / 2;
        const dHi = hiTop - hiBot;
        const sHi = hiBot + dHi / 2;
        const at = oBase + i * w + j;
        od[at] = sLo * SQRT2;
        od[at + band] = dLo / SQRT2;
        od[at + 2 * band] = sHi * SQRT2;
        od[at + 3 * band] = dHi / SQRT2;
      }
    }
  }
}

/** input [..., 4, h, w]; output [..., 2h, 2w]. */
export function ihaar2d(inputs: readonly RefTensor[], outputs: readonly RefTensor[], _attrs: Attrs): void {
  const [y] = inputs;
  const out = outputs[0];
  const { planes, H, W, h, w } = ihaar2dGeometry(y.shape, out.shape);
  const band = h * w;
  const yd = y.buf.data;
  const od = out.buf.data;

  for (let p = 0; p < planes; p++) {
    const yBase = p * 4 * band;
    const oBase = p * H * W;
    for (let i = 0; i < h; i++) {
      const top = oBase + 2 * i * W;
      const bot = top + W;
      for (let j = 0; j < w; j++) {
        const at = yBase + i * w + j;
        // Undo the H step: unscale, then recover the (top, bottom) pair from smooth and detail.
        const sLo = yd[at] / SQRT2, dLo = yd[at + band] * SQRT2;
        const sHi = yd[at + 2 * band] / SQRT2, dHi = yd[at + 3 * band] * SQRT2;
        const loBot = sLo - dLo / 2, loTop = dLo + loBot;
        const hiBot = sHi - dHi / 2, hiTop = dHi + hiBot;
        // Undo the W step on each row.
        const sTop = loTop / SQRT2, dTop = hiTop * SQRT2;
        const sBot = loBot / SQRT2, dBot = hiBot * SQRT2;
        const bTop = sTop - dTop / 2, bBot = sBot - dBot / 2;
        od[top + 2 * j] = dTop + bTop;
        od[top + 2 * j + 1] = bTop;
        od[bot + 2 * j] = dBot + bBot;
        od[bot + 2 * j + 1] = bBot;
      }
    }
  }
}
