import { batchOffsets, matmulSizes } from '../geometry.js';
import type { Attrs } from '../types.js';
import type { RefTensor } from './backend.js';

// Each output row accumulates in doubles over k in increasing order.
export function matmul([a, b]: readonly RefTensor[], [c]: readonly RefTensor[], attrs: Attrs): void {
  const transA = attrs.transA as boolean;
  const transB = attrs.transB as boolean;
  const { M, N, K, outBatch } = matmulSizes(a.shape, c.shape, transA);
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
