// The orthonormal 1-D DCT along one of the last two axes, as one op: a backend with a kernel
// applies the basis directly (wasm halves the work by the basis's symmetry); elsewhere it is the
// matrix product by the cached basis, which every backend has. The gradient of an orthonormal
// transform is its inverse, so backward needs no other kernel.

import { dctBasisValues } from '../../backends/dct-basis.js';
import { getKernel } from '../../backends/registry.js';
import { noGrad, runOp } from '../engine.js';
import { defineOp } from '../registry.js';
import { keep } from '../scope.js';
import type { DType } from '../../backends/types.js';
import { tensor, type Tensor } from '../tensor.js';
import { matmul } from './matmul.js';

export interface DctAttrs {
  /** -2: along H (the basis multiplies from the left), -1: along W (from the right). */
  axis: -1 | -2;
  /** DCT-III, the inverse (and the adjoint) of DCT-II. */
  inverse: boolean;
}

const dctOp = defineOp<DctAttrs>({
  name: 'dct',
  inputs: 1,
  inferShapes: ([s], { axis, inverse }) => {
    if (s.length < 2) throw new Error(`dct: needs at least 2 dims, got [${s.join(', ')}]`);
    if (axis !== -1 && axis !== -2) throw new Error(`dct: axis must be -1 or -2, got ${String(axis)}`);
    if (typeof inverse !== 'boolean') throw new Error(`dct: inverse must be a boolean`);
    return [[...s]];
  },
  saves: () => ({}),
  grad: ({ attrs: { axis, inverse }, grads: [g] }) => [dctAxis(g, axis, !inverse)],
  decomposition: 'a matrix product with the cached basis',
});

const bases = new Map<string, Tensor>();

/** The n x n basis on the given backend and dtype, created once and kept (not a gradient leaf). */
export function dctMatrix(n: number, dtype: DType = 'float32', backend = 'ref'): Tensor {
  const key = `${n}/${dtype}/${backend}`;
  let m = bases.get(key);
  if (!m || m.isDisposed) {
    const v = dctBasisValues(n);
    m = keep(noGrad(() => tensor(dtype === 'float64' ? v : Float32Array.from(v), [n, n], { dtype, backend })));
    bases.set(key, m);
  }
  return m;
}

/** The orthonormal 1-D DCT-II (or with `inverse` its inverse, DCT-III) along axis -1 or -2. */
export function dctAxis(x: Tensor, axis: -1 | -2, inverse = false): Tensor {
  // checked here too: the matrix-product path below never reaches the op's own checks
  if (axis !== -1 && axis !== -2) throw new Error(`dct: axis must be -1 or -2, got ${String(axis)}`);
  const home = x.storage.backend;
  if (x.rank >= 2 && !(home.dtypes.includes(x.dtype) && getKernel(home.name, dctOp.name))) {
    const c = dctMatrix(x.shape[x.rank + axis], x.dtype, x.backend);
    return axis === -1 ? matmul(x, c, false, !inverse) : matmul(c, x, inverse, false);
  }
  return runOp(dctOp, [x], { axis, inverse })[0];
}

/** Frees the cached bases (tests that count live buffers call it). */
export function clearDctCache(): void {
  for (const m of bases.values()) m.dispose();
  bases.clear();
}
