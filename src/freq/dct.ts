import { dctAxis, type Tensor } from '../tensor/index.js';

// Orthonormal 2-D DCT-II as two 1-D transforms (the op 'dct'), along H then along W:
// X = C_H x C_Wᵀ, x = C_Hᵀ X C_W.

export { dctBasisValues } from '../backends/dct-basis.js';
export { clearDctCache, dctAxis, dctMatrix, type DctAttrs } from '../tensor/index.js';

/** DCT-II (norm='ortho') over the last two axes. */
export function dct2d(x: Tensor): Tensor {
  if (x.rank < 2) throw new Error(`dct2d: needs at least 2 dims, got [${x.shape.join(', ')}]`);
  return dctAxis(dctAxis(x, -2), -1);
}

/** Inverse of dct2d (DCT-III, norm='ortho'). */
export function idct2d(X: Tensor): Tensor {
  if (X.rank < 2) throw new Error(`idct2d: needs at least 2 dims, got [${X.shape.join(', ')}]`);
  return dctAxis(dctAxis(X, -2, true), -1, true);
}
