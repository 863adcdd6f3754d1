// Row-major layout arithmetic shared by every backend and the tensor layer. It lives on the
// backend side of the dependency rule so that kernels can use it without importing src/tensor.

import type { Shape } from './types.js';

export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function contiguousStrides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/**
 * Strides of an operand broadcast to outShape: 0 along the dims it is repeated over (missing
 * leading dims and size-1 dims). `unit` is the stride of its last dim, so a stack of matrices can
 * be strided in whole matrices.
 */
export function broadcastStrides(inShape: Shape, outShape: Shape, unit = 1): number[] {
  const r = outShape.length;
  const strides = new Array<number>(r).fill(0);
  let acc = unit;
  for (let i = inShape.length - 1; i >= 0; i--) {
    strides[r - inShape.length + i] = inShape[i] === 1 ? 0 : acc;
    acc *= inShape[i];
  }
  return strides;
}

/** Sizes of a batched matmul c [...outBatch, M, N] = op(a) [..., M, K] op(b) [..., K, N]. */
/** Where each output of split starts in its input along every axis: the begin of a slice. */
export function splitBegins(rank: number, axis: number, sizes: readonly number[]): number[][] {
  let at = 0;
  return sizes.map((n) => {
    const begin = new Array<number>(rank).fill(0);
    begin[axis] = at;
    at += n;
    return begin;
  });
}

export function matmulSizes(a: Shape, c: Shape, transA: boolean): { M: number; N: number; K: number; outBatch: Shape } {
  return {
    M: c[c.length - 2],
    N: c[c.length - 1],
    K: transA ? a[a.length - 2] : a[a.length - 1],
    outBatch: c.slice(0, -2),
  };
}

/**
 * Element offset of each output batch's matrix in an operand [...batch, rows, cols] whose batch
 * dims broadcast to outBatch, in row-major batch order. Int32 keeps the table compact; the WASM
 * backend copies it into its Uint32 table, where the same low 32 bits land either way.
 */
export function batchOffsets(shape: Shape, outBatch: Shape): Int32Array {
  const mat = shape[shape.length - 1] * shape[shape.length - 2];
  const strides = broadcastStrides(shape.slice(0, -2), outBatch, mat);
  const r = outBatch.length;
  const n = numel(outBatch);
  const offs = new Int32Array(n);
  const idx = new Array<number>(r).fill(0);
  let off = 0;
  for (let p = 0; p < n; p++) {
    offs[p] = off;
    for (let d = r - 1; d >= 0; d--) {
      off += strides[d];
      if (++idx[d] < outBatch[d]) break;
      off -= strides[d] * outBatch[d];
      idx[d] = 0;
    }
  }
  return offs;
}
