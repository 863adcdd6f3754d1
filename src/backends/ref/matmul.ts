import type { Attrs, Shape } from '../types.js';
import type { RefTensor } from './backend.js';

/** Offset of each output batch's matrix in an operand whose batch dims broadcast to outBatch. */
function batchOffsets(shape: Shape, outBatch: Shape): Int32Array {
  const mat = shape[shape.length - 1] * shape[shape.length - 2];
  const b = shape.slice(0, -2);
  const r = outBatch.length;
  const strides = new Array<number>(r).fill(0);
  let acc = mat;
  for (let i = b.length - 1; i >= 0; i--) {
    strides[r - b.length + i] = b[i] === 1 ? 0 : acc;
    acc *= b[i];
  }
  let n = 1;
  for (const d of outBatch) n *= d;
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

// Each output row accumulates in doubles over k in increasing order.
export function matmul([a, b]: readonly RefTensor[], [c]: readonly RefTensor[], attrs: Attrs): void {
  const transA = attrs.transA as boolean;
  const transB = attrs.transB as boolean;
  const cs = c.shape;
  const M = cs[cs.length - 2];
  const N = cs[cs.length - 1];
  const K = transA ? a.shape[a.shape.length - 2] : a.shape[a.shape.length - 1];
  const outBatch = cs.slice(0, -2);
  const offA = batchOffsets(a.shape, outBatch);
  const offB = batchOffsets(b.shape, outBatch);
  const A = a.buf.data;
  const B = b.buf.data;
  const C = c.buf.data;
  // element strides of op(A)[i][k] and op(B)[k][j]
  const aI = transA ? 1 : K;
  const aK = transA ? M : 1;
  const bK = transB ? 1 : N;
  const bJ = transB ? K : 1;
  const row = new Float64Array(N);
  for (let batch = 0; batch < offA.length; batch++) {
    const oa = offA[batch];
    const ob = offB[batch];
    const oc = batch * M * N;
    for (let i = 0; i < M; i++) {
      row.fill(0);
      for (let k = 0; k < K; k++) {
        const aik = A[oa + i * aI + k * aK];
        const base = ob + k * bK;
        for (let j = 0; j < N; j++) row[j] += aik * B[base + j * bJ];
      }
      for (let j = 0; j < N; j++) C[oc + i * N + j] = row[j];
    }
  }
}
