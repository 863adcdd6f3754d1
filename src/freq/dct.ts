import { detSinCos2Pi } from '../tensor/detmath.js';
import { keep, matmul, noGrad, tensor, type DType, type Tensor } from '../tensor/index.js';

// Orthonormal 2-D DCT-II as two matrix products with a cached basis, so it runs (and is
// differentiated) on every backend through matmul: X = C_H x C_Wᵀ, x = C_Hᵀ X C_W.

const bases = new Map<string, Tensor>();

/** C[k][i] = s_k cos(pi (2i+1) k / 2n), s_0 = sqrt(1/n), s_k = sqrt(2/n); in float64, then stored. */
export function dctBasisValues(n: number): Float64Array {
  if (!Number.isInteger(n) || n < 1) throw new Error(`dct: invalid size ${n}`);
  const c = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const s = Math.sqrt((k === 0 ? 1 : 2) / n);
    for (let i = 0; i < n; i++) {
      // exact reduction of the angle to a fraction of a turn keeps large n accurate
      const turns = (((2 * i + 1) * k) % (4 * n)) / (4 * n);
      c[k * n + i] = s * detSinCos2Pi(turns)[1];
    }
  }
  return c;
}

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

function check(op: string, x: Tensor): void {
  if (x.rank < 2) throw new Error(`${op}: needs at least 2 dims, got [${x.shape.join(', ')}]`);
}

/** DCT-II (norm='ortho') over the last two axes. */
export function dct2d(x: Tensor): Tensor {
  check('dct2d', x);
  const ch = dctMatrix(x.shape[x.rank - 2], x.dtype, x.backend);
  const cw = dctMatrix(x.shape[x.rank - 1], x.dtype, x.backend);
  return matmul(matmul(ch, x), cw, false, true);
}

/** Inverse of dct2d (DCT-III, norm='ortho'). */
export function idct2d(X: Tensor): Tensor {
  check('idct2d', X);
  const ch = dctMatrix(X.shape[X.rank - 2], X.dtype, X.backend);
  const cw = dctMatrix(X.shape[X.rank - 1], X.dtype, X.backend);
  return matmul(matmul(ch, X, true, false), cw);
}

/** Frees the cached bases (tests that count live buffers call it). */
export function clearDctCache(): void {
  for (const m of bases.values()) m.dispose();
  bases.clear();
}
