// Reference bilinear resize over the last two axes (PyTorch's upsample_bilinear2d, no
// antialiasing) and its exact adjoint, both over the shared tap tables of ../resize-taps.ts.

import type { ResizeBilinearAttrs, ResizeBilinearGradAttrs } from '../attrs.js';
import { resizeTaps } from '../resize-taps.js';
import { resizeGeometry } from '../shapes.js';
import type { Attrs, Shape } from '../types.js';
import type { RefTensor } from './backend.js';

function geometry(small: Shape, large: Shape, inSize: readonly number[], a: ResizeBilinearAttrs, what: string) {
  const g = resizeGeometry(small, large, inSize, a, what);
  return { ...g, ...resizeTaps(g, a) };
}

/** input [..., H, W]; output [..., size[0], size[1]]. */
export function resizeBilinear(inputs: readonly RefTensor[], outputs: readonly RefTensor[], attrs: Attrs): void {
  const a = attrs as unknown as ResizeBilinearAttrs;
  const [x] = inputs;
  const out = outputs[0];
  const hw = x.shape.slice(-2);
  const { planes, H, W, oh, ow, rows, cols } = geometry(x.shape, out.shape, hw, a, 'resizeBilinear');
  const xd = x.buf.data;
  const od = out.buf.data;
  for (let p = 0; p < planes; p++) {
    const base = p * H * W;
    for (let oy = 0; oy < oh; oy++) {
      const r0 = base + rows.i0[oy] * W;
      const r1 = base + rows.i1[oy] * W;
      const ly0 = rows.l0[oy], ly1 = rows.l1[oy];
      const oRow = (p * oh + oy) * ow;
      for (let ox = 0; ox < ow; ox++) {
        const c0 = cols.i0[ox], c1 = cols.i1[ox];
        const lx0 = cols.l0[ox], lx1 = cols.l1[ox];
        od[oRow + ox] = ly0 * (lx0 * xd[r0 + c0] + lx1 * xd[r0 + c1]) + ly1 * (lx0 * xd[r1 + c0] + lx1 * xd[r1 + c1]);
      }
    }
  }
}

/** input: gradOut [..., size[0], size[1]]; output: grad of x, [..., inputSize[0], inputSize[1]]. */
export function resizeBilinearGrad(inputs: readonly RefTensor[], outputs: readonly RefTensor[], attrs: Attrs): void {
  const a = attrs as unknown as ResizeBilinearGradAttrs;
  const [g] = inputs;
  const out = outputs[0];
  const { planes, H, W, oh, ow, rows, cols } = geometry(out.shape, g.shape, a.inputSize, a, 'resizeBilinearGrad');
  const gd = g.buf.data;
  const acc = new Float64Array(H * W);
  for (let p = 0; p < planes; p++) {
    acc.fill(0);
    for (let oy = 0; oy < oh; oy++) {
      const r0 = rows.i0[oy] * W;
      const r1 = rows.i1[oy] * W;
      const ly0 = rows.l0[oy], ly1 = rows.l1[oy];
      const gRow = (p * oh + oy) * ow;
      for (let ox = 0; ox < ow; ox++) {
        const c0 = cols.i0[ox], c1 = cols.i1[ox];
        const lx0 = cols.l0[ox], lx1 = cols.l1[ox];
        const v = gd[gRow + ox];
        acc[r0 + c0] += ly0 * lx0 * v;
        acc[r0 + c1] += ly0 * lx1 * v;
        acc[r1 + c0] += ly1 * lx0 * v;
        acc[r1 + c1] += ly1 * lx1 * v;
      }
    }
    out.buf.data.set(acc, p * H * W);
  }
}
