// Reference bilinear resize over the last two axes (PyTorch's upsample_bilinear2d, no
// antialiasing) and its exact adjoint. Both share one per-axis tap table, so the gradient
// scatters with the very weights the forward gathered with.

import type { ResizeBilinearAttrs, ResizeBilinearGradAttrs } from '../attrs.js';
import { assertShape } from '../shapes.js';
import type { Attrs, Shape } from '../types.js';
import type { RefTensor } from './backend.js';

/** Per output position along one axis: the two source indices and their weights. */
interface AxisTaps {
  i0: Int32Array;
  i1: Int32Array;
  l0: Float64Array;
  l1: Float64Array;
}

function axisTaps(inSize: number, outSize: number, alignCorners: boolean, ratioGiven: number | null): AxisTaps {
  // Only align_corners=false honours a given scale factor; PyTorch ignores it otherwise.
  const ratio = alignCorners
    ? (outSize > 1 ? (inSize - 1) / (outSize - 1) : 0)
    : (ratioGiven ?? inSize / outSize);
  const taps: AxisTaps = {
    i0: new Int32Array(outSize),
    i1: new Int32Array(outSize),
    l0: new Float64Array(outSize),
    l1: new Float64Array(outSize),
  };
  for (let d = 0; d < outSize; d++) {
    const src = alignCorners ? ratio * d : Math.max(ratio * (d + 0.5) - 0.5, 0);
    const i0 = Math.min(Math.floor(src), inSize - 1);
    // Clamped like PyTorch's guard_index_and_lambda, so weights stay in [0, 1] at the far edge.
    const l1 = Math.min(Math.max(src - i0, 0), 1);
    taps.i0[d] = i0;
    taps.i1[d] = Math.min(i0 + 1, inSize - 1);
    taps.l1[d] = l1;
    taps.l0[d] = 1 - l1;
  }
  return taps;
}

interface ResizeGeometry {
  planes: number;
  H: number;
  W: number;
  oh: number;
  ow: number;
  rows: AxisTaps;
  cols: AxisTaps;
}

function geometry(small: Shape, large: Shape, inSize: readonly number[], a: ResizeBilinearAttrs, what: string): ResizeGeometry {
  if (small.length < 2) throw new Error(`${what}: input needs at least 2 dims`);
  const lead = small.slice(0, -2);
  const [H, W] = inSize;
  const [oh, ow] = a.size;
  assertShape(small, [...lead, H, W], `${what} input side`);
  assertShape(large, [...lead, oh, ow], `${what} output side`);
  return {
    planes: lead.reduce((p, d) => p * d, 1),
    H, W, oh, ow,
    rows: axisTaps(H, oh, a.alignCorners, a.ratio?.[0] ?? null),
    cols: axisTaps(W, ow, a.alignCorners, a.ratio?.[1] ?? null),
  };
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
