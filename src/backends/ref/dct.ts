// Reference 1-D orthonormal DCT-II / DCT-III along axis -1 or -2: the full basis product per
// line, accumulated in float64 in increasing i and rounded once. For float32 tensors the basis is
// rounded to float32 first, as the PyTorch reference stores it, which makes the result the ref
// matmul by the float32 basis bit for bit.

import { dctBasisValues } from '../dct-basis.js';
import type { Attrs } from '../types.js';
import type { RefTensor } from './backend.js';

const bases = new Map<string, Float64Array>();
function basis(n: number, dtype: string): Float64Array {
  const key = `${n}/${dtype}`;
  let c = bases.get(key);
  if (!c) {
    c = dctBasisValues(n);
    if (dtype !== 'float64') c = c.map(Math.fround);
    bases.set(key, c);
  }
  return c;
}

export function dct(inputs: readonly RefTensor[], outputs: readonly RefTensor[], attrs: Attrs): void {
  const [x] = inputs;
  const [y] = outputs;
  const axis = attrs.axis as number;
  const inverse = attrs.inverse as boolean;
  const r = x.shape.length;
  const n = x.shape[r + axis];
  if (y.buf.size === 0) return;
  // lines of n values `stride` apart: along W stride 1, along H stride W
  const stride = axis === -1 ? 1 : x.shape[r - 1];
  const block = n * stride;
  const blocks = x.buf.size / block;
  const c = basis(n, x.dtype);
  const xd = x.buf.data;
  const yd = y.buf.data;
  for (let b = 0; b < blocks; b++) {
    for (let j = 0; j < stride; j++) {
      const base = b * block + j;
      for (let k = 0; k < n; k++) {
        let acc = 0;
        // DCT-II: y_k = Σ_i C[k][i] x_i; DCT-III: y_k = Σ_i C[i][k] x_i
        if (inverse) for (let i = 0; i < n; i++) acc += c[i * n + k] * xd[base + i * stride];
        else for (let i = 0; i < n; i++) acc += c[k * n + i] * xd[base + i * stride];
        yd[base + k * stride] = acc;
      }
    }
  }
}
