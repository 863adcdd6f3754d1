// The orthonormal DCT-II basis, shared by the frequency layer (which multiplies by it on backends
// without a 'dct' kernel) and the kernels that apply it directly.

import { detSinCos2Pi } from '../math/detmath.js';

/** C[k][i] = s_k cos(pi (2i+1) k / 2n), s_0 = sqrt(1/n), s_k = sqrt(2/n); in float64. */
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

/**
 * For even n the basis splits in two half-size blocks: row 2k is symmetric about the middle
 * (C[2k][n-1-i] = C[2k][i]) and row 2k+1 antisymmetric, so with u_i = x_i + x_{n-1-i} and
 * v_i = x_i - x_{n-1-i} (i < n/2), X_2k = Σ E[k][i] u_i and X_2k+1 = Σ O[k][i] v_i: half the
 * multiply-adds of the full product. E[k][i] = C[2k][i], O[k][i] = C[2k+1][i], i < n/2.
 */
export function dctHalfBases(n: number): { even: Float64Array; odd: Float64Array } {
  if (n % 2) throw new Error(`dct: the half bases need an even size, not ${n}`);
  const c = dctBasisValues(n);
  const h = n / 2;
  const even = new Float64Array(h * h);
  const odd = new Float64Array(h * h);
  for (let k = 0; k < h; k++) {
    for (let i = 0; i < h; i++) {
      even[k * h + i] = c[2 * k * n + i];
      odd[k * h + i] = c[(2 * k + 1) * n + i];
    }
  }
  return { even, odd };
}
