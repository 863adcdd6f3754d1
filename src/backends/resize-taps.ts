// Bilinear resize tap tables (PyTorch's upsample_bilinear2d, no antialiasing). Every backend
// resizes with these exact float64 weights, and each gradient scatters with the very weights its
// forward gathered with, so forward and adjoint agree within and across backends.

import type { ResizeBilinearAttrs } from './attrs.js';
import type { ResizeGeometry } from './shapes.js';

/** Per output position along one axis: the two source indices and their weights. */
export interface AxisTaps {
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

/** Row (H to oh) and column (W to ow) taps of a resize, from its attrs. */
export function resizeTaps(g: ResizeGeometry, a: ResizeBilinearAttrs): { rows: AxisTaps; cols: AxisTaps } {
  return {
    rows: axisTaps(g.H, g.oh, a.alignCorners, a.ratio?.[0] ?? null),
    cols: axisTaps(g.W, g.ow, a.alignCorners, a.ratio?.[1] ?? null),
  };
}
