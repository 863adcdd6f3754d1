// Reference 2-D pooling over the last two axes (PyTorch semantics, floor mode, dilation 1).
// Window bounds follow PyTorch's CPU kernels literally, including the "padded extent" that
// avg_pool2d divides by when count_include_pad is set.

import type { AvgPool2dAttrs, AvgPool2dGradAttrs, Pool2dAttrs } from '../attrs.js';
import { assertShape, poolGeometry, type PoolGeometry } from '../shapes.js';
import type { Attrs, Shape } from '../types.js';
import type { RefTensor } from './backend.js';

/** Per output position along one axis: in-bounds input range [lo, hi) and the window's extent including padding. */
interface AxisWindows {
  lo: Int32Array;
  hi: Int32Array;
  padded: Int32Array;
}

function axisWindows(inSize: number, outSize: number, k: number, stride: number, pad: number): AxisWindows {
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const padded = new Int32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const start = o * stride - pad;
    const end = Math.min(start + k, inSize + pad);
    padded[o] = end - start;
    lo[o] = Math.max(start, 0);
    hi[o] = Math.min(end, inSize);
  }
  return { lo, hi, padded };
}

/** Bounds precomputed per axis keep the padding checks out of the inner loops. */
interface PoolWindows extends PoolGeometry {
  rows: AxisWindows;
  cols: AxisWindows;
}

function geometry(xShape: Shape, pooledShape: Shape, a: Pool2dAttrs, what: string): PoolWindows {
  const g = poolGeometry(xShape, pooledShape, a, what);
  return {
    ...g,
    rows: axisWindows(g.H, g.Ho, a.kernel[0], a.stride[0], a.padding[0]),
    cols: axisWindows(g.W, g.Wo, a.kernel[1], a.stride[1], a.padding[1]),
  };
}

/**
 * Index within the plane of each window's maximum: the first one in row-major order (strict >),
 * except that a NaN always takes over, as in PyTorch; an all -Infinity window points at its first
 * in-bounds element.
 */
function windowArgmax(xd: ArrayLike<number>, base: number, g: PoolWindows, idx: Int32Array): void {
  const { W, Ho, Wo, rows, cols } = g;
  for (let oy = 0; oy < Ho; oy++) {
    const y0 = rows.lo[oy], y1 = rows.hi[oy];
    for (let ox = 0; ox < Wo; ox++) {
      const x0 = cols.lo[ox], x1 = cols.hi[ox];
      let best = -Infinity;
      let at = y0 * W + x0;
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          const v = xd[base + y * W + x];
          if (v > best || v !== v) {
            best = v;
            at = y * W + x;
          }
        }
      }
      idx[oy * Wo + ox] = at;
    }
  }
}

/** inputs: x [..., H, W]; output [..., Ho, Wo]; padding acts as -Infinity. */
export function maxPool2d(inputs: readonly RefTensor[], outputs: readonly RefTensor[], attrs: Attrs): void {
  const [x] = inputs;
  const out = outputs[0];
  const g = geometry(x.shape, out.shape, attrs as unknown as Pool2dAttrs, 'maxPool2d');
  const xd = x.buf.data;
  const od = out.buf.data;
  const oPlane = g.Ho * g.Wo;
  const idx = new Int32Array(oPlane);
  for (let p = 0; p < g.planes; p++) {
    const base = p * g.H * g.W;
    windowArgmax(xd, base, g, idx);
    for (let i = 0; i < oPlane; i++) od[p * oPlane + i] = xd[base + idx[i]];
  }
}

/** inputs: x, gradOut; output: grad of x. Each window's gradient goes to its argmax only. */
export function maxPool2dGrad(inputs: readonly RefTensor[], outputs: readonly RefTensor[], attrs: Attrs): void {
  const [x, gOut] = inputs;
  const out = outputs[0];
  const g = geometry(x.shape, gOut.shape, attrs as unknown as Pool2dAttrs, 'maxPool2dGrad');
  assertShape(out.shape, x.shape, 'maxPool2dGrad output');
  const xd = x.buf.data;
  const gd = gOut.buf.data;
  const plane = g.H * g.W;
  const oPlane = g.Ho * g.Wo;
  const idx = new Int32Array(oPlane);
  const acc = new Float64Array(plane);
  for (let p = 0; p < g.planes; p++) {
    windowArgmax(xd, p * plane, g, idx);
    acc.fill(0);
    for (let i = 0; i < oPlane; i++) acc[idx[i]] += gd[p * oPlane + i];
    out.buf.data.set(acc, p * plane);
  }
}

function divisor(g: PoolWindows, oy: number, ox: number, countIncludePad: boolean): number {
  const { rows, cols } = g;
  return countIncludePad
    ? rows.padded[oy] * cols.padded[ox]
    : (rows.hi[oy] - rows.lo[oy]) * (cols.hi[ox] - cols.lo[ox]);
}

/** inputs: x [..., H, W]; output [..., Ho, Wo]; zero padding. */
export function avgPool2d(inputs: readonly RefTensor[], outputs: readonly RefTensor[], attrs: Attrs): void {
  const a = attrs as unknown as AvgPool2dAttrs;
  const [x] = inputs;
  const out = outputs[0];
  const g = geometry(x.shape, out.shape, a, 'avgPool2d');
  const { W, Ho, Wo, rows, cols } = g;
  const xd = x.buf.data;
  const od = out.buf.data;
  for (let p = 0; p < g.planes; p++) {
    const base = p * g.H * W;
    for (let oy = 0; oy < Ho; oy++) {
      const y0 = rows.lo[oy], y1 = rows.hi[oy];
      for (let ox = 0; ox < Wo; ox++) {
        const x0 = cols.lo[ox], x1 = cols.hi[ox];
        let s = 0;
        for (let y = y0; y < y1; y++) {
          const row = base + y * W;
          for (let xi = x0; xi < x1; xi++) s += xd[row + xi];
        }
        od[(p * Ho + oy) * Wo + ox] = s / divisor(g, oy, ox, a.countIncludePad);
      }
    }
  }
}

/** inputs: gradOut [..., Ho, Wo]; output: grad of x, shape attrs.inputShape. */
export function avgPool2dGrad(inputs: readonly RefTensor[], outputs: readonly RefTensor[], attrs: Attrs): void {
  const a = attrs as unknown as AvgPool2dGradAttrs;
  const [gOut] = inputs;
  const out = outputs[0];
  assertShape(out.shape, a.inputShape, 'avgPool2dGrad output');
  const g = geometry(a.inputShape, gOut.shape, a, 'avgPool2dGrad');
  const { W, Ho, Wo, rows, cols } = g;
  const gd = gOut.buf.data;
  const plane = g.H * W;
  const acc = new Float64Array(plane);
  for (let p = 0; p < g.planes; p++) {
    acc.fill(0);
    for (let oy = 0; oy < Ho; oy++) {
      const y0 = rows.lo[oy], y1 = rows.hi[oy];
      for (let ox = 0; ox < Wo; ox++) {
        const x0 = cols.lo[ox], x1 = cols.hi[ox];
        const v = gd[(p * Ho + oy) * Wo + ox] / divisor(g, oy, ox, a.countIncludePad);
        for (let y = y0; y < y1; y++) {
          for (let xi = x0; xi < x1; xi++) acc[y * W + xi] += v;
        }
      }
    }
    out.buf.data.set(acc, p * plane);
  }
}
