// Reference conv2d and its two gradients (PyTorch semantics: cross-correlation, zero padding,
// dilation 1, groups 1; NCHW). Every output element is a double sum whose terms are added in an
// order that depends on shapes only, so results are bit-reproducible. Planes of partial sums are
// swept row by row with the valid output range of each kernel tap precomputed, which keeps the
// padding checks out of the inner loops.

import type { Conv2dAttrs, Conv2dGradInputAttrs, Conv2dGradWeightAttrs } from '../attrs.js';
import { conv2dGeometry, conv2dGradInputGeometry, conv2dGradWeightGeometry } from '../shapes.js';
import type { Attrs } from '../types.js';
import type { RefTensor } from './backend.js';
import { unaryFns } from './elementwise.js';

/** For each kernel offset k: output positions [lo, hi) whose input tap o*s - p + k is inside [0, n). */
interface TapRanges {
  lo: Int32Array;
  hi: Int32Array;
}

function tapRanges(inSize: number, outSize: number, k: number, stride: number, pad: number): TapRanges {
  const lo = new Int32Array(k);
  const hi = new Int32Array(k);
  for (let t = 0; t < k; t++) {
    lo[t] = Math.max(0, Math.ceil((pad - t) / stride));
    hi[t] = Math.max(lo[t], Math.min(outSize, Math.floor((inSize - 1 + pad - t) / stride) + 1));
  }
  return { lo, hi };
}

/** 1x1, stride 1, no padding: a per-batch matmul over channels, no taps to clip. */
function isPointwise(kh: number, kw: number, a: Conv2dAttrs): boolean {
  return kh === 1 && kw === 1 && a.stride[0] === 1 && a.stride[1] === 1 && a.padding[0] === 0 && a.padding[1] === 0;
}

/** inputs: x [N,C,H,W], w [O,C,kh,kw], optional bias [O]; output [N,O,Ho,Wo]. */
export function conv2d(inputs: readonly RefTensor[], outputs: readonly RefTensor[], attrs: Attrs): void {
  const a = attrs as unknown as Conv2dAttrs;
  const [x, w, bias] = inputs;
  const out = outputs[0];
  const { N, C, H, W, O, kh, kw, sh, sw, ph, pw, Ho, Wo } = conv2dGeometry(x.shape, w.shape, bias?.shape, out.shape, a);

  const xd = x.buf.data;
  const wd = w.buf.data;
  const od = out.buf.data;
  const plane = Ho * Wo;
  const acc = new Float64Array(plane);
  const pointwise = isPointwise(kh, kw, a);
  const rows = tapRanges(H, Ho, kh, sh, ph);
  const cols = tapRanges(W, Wo, kw, sw, pw);

  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      acc.fill(0);
      for (let c = 0; c < C; c++) {
        const xBase = (n * C + c) * H * W;
        const wBase = (o * C + c) * kh * kw;
        if (pointwise) {
          const wv = wd[wBase];
          for (let p = 0; p < plane; p++) acc[p] += wv * xd[xBase + p];
          continue;
        }
        for (let ky = 0; ky < kh; ky++) {
          const y0 = rows.lo[ky], y1 = rows.hi[ky];
          for (let kx = 0; kx < kw; kx++) {
            const wv = wd[wBase + ky * kw + kx];
            const x0 = cols.lo[kx], x1 = cols.hi[kx];
            for (let oy = y0; oy < y1; oy++) {
              const xRow = xBase + (oy * sh - ph + ky) * W - pw + kx;
              const aRow = oy * Wo;
              for (let ox = x0; ox < x1; ox++) acc[aRow + ox] += wv * xd[xRow + ox * sw];
            }
          }
        }
      }
      const oBase = (n * O + o) * plane;
      if (bias) {
        const b = bias.buf.data[o];
        for (let p = 0; p < plane; p++) od[oBase + p] = acc[p] + b;
      } else {
        for (let p = 0; p < plane; p++) od[oBase + p] = acc[p];
      }
      // on the stored (rounded) value, exactly as relu after the convolution
      if (a.relu) for (let p = oBase; p < oBase + plane; p++) od[p] = unaryFns.relu(od[p]);
    }
  }
}

/** inputs: gradOut [N,O,Ho,Wo], w [O,C,kh,kw]; output: grad of x, shape attrs.inputShape. */
export function conv2dGradInput(inputs: readonly RefTensor[], outputs: readonly RefTensor[], attrs: Attrs): void {
  const a = attrs as unknown as Conv2dGradInputAttrs;
  const [g, w] = inputs;
  const out = outputs[0];
  const { N, C, H, W, O, kh, kw, sh, sw, ph, pw, Ho, Wo } = conv2dGradInputGeometry(g.shape, w.shape, out.shape, a);

  const gd = g.buf.data;
  const wd = w.buf.data;
  const od = out.buf.data;
  const plane = H * W;
  const oPlane = Ho * Wo;
  const acc = new Float64Array(plane);
  const pointwise = isPointwise(kh, kw, a);
  const rows = tapRanges(H, Ho, kh, sh, ph);
  const cols = tapRanges(W, Wo, kw, sw, pw);

  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      acc.fill(0);
      for (let o = 0; o < O; o++) {
        const gBase = (n * O + o) * oPlane;
        const wBase = (o * C + c) * kh * kw;
        if (pointwise) {
          const wv = wd[wBase];
          for (let p = 0; p < plane; p++) acc[p] += wv * gd[gBase + p];
          continue;
        }
        for (let ky = 0; ky < kh; ky++) {
          const y0 = rows.lo[ky], y1 = rows.hi[ky];
          for (let kx = 0; kx < kw; kx++) {
            const wv = wd[wBase + ky * kw + kx];
            const x0 = cols.lo[kx], x1 = cols.hi[kx];
            for (let oy = y0; oy < y1; oy++) {
              const aRow = (oy * sh - ph + ky) * W - pw + kx;
              const gRow = gBase + oy * Wo;
              for (let ox = x0; ox < x1; ox++) acc[aRow + ox * sw] += wv * gd[gRow + ox];
            }
          }
        }
      }
      od.set(acc, (n * C + c) * plane);
    }
  }
}

/** inputs: x [N,C,H,W], gradOut [N,O,Ho,Wo]; output: grad of w, [O,C,kh,kw] with attrs.kernelSize. */
export function conv2dGradWeight(inputs: readonly RefTensor[], outputs: readonly RefTensor[], attrs: Attrs): void {
  const a = attrs as unknown as Conv2dGradWeightAttrs;
  const [x, g] = inputs;
  const out = outputs[0];
  const { N, C, H, W, O, kh, kw, sh, sw, ph, pw, Ho, Wo } = conv2dGradWeightGeometry(x.shape, g.shape, out.shape, a);

  const xd = x.buf.data;
  const gd = g.buf.data;
  const od = out.buf.data;
  const plane = H * W;
  const oPlane = Ho * Wo;
  const pointwise = isPointwise(kh, kw, a);
  const rows = tapRanges(H, Ho, kh, sh, ph);
  const cols = tapRanges(W, Wo, kw, sw, pw);

  for (let o = 0; o < O; o++) {
    for (let c = 0; c < C; c++) {
      for (let ky = 0; ky < kh; ky++) {
        const y0 = rows.lo[ky], y1 = rows.hi[ky];
        for (let kx = 0; kx < kw; kx++) {
          const x0 = cols.lo[kx], x1 = cols.hi[kx];
          let s = 0;
          for (let n = 0; n < N; n++) {
            const xBase = (n * C + c) * plane;
            const gBase = (n * O + o) * oPlane;
            if (pointwise) {
              for (let p = 0; p < plane; p++) s += gd[gBase + p] * xd[xBase + p];
              continue;
            }
            for (let oy = y0; oy < y1; oy++) {
              const xRow = xBase + (oy * sh - ph + ky) * W - pw + kx;
              const gRow = gBase + oy * Wo;
              for (let ox = x0; ox < x1; ox++) s += gd[gRow + ox] * xd[xRow + ox * sw];
            }
          }
          od[((o * C + c) * kh + ky) * kw + kx] = s;
        }
      }
    }
  }
}
