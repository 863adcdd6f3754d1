import type { Tensor } from '../tensor.js';
import { abs, addScalar, erf, mul, mulScalar, sub } from './elementwise.js';
import { mean } from './reduce.js';

// Composites are built from primitives, so they need no kernels and no gradient code.

/** Exact GELU, 0.5 x (1 + erf(x / sqrt 2)), as nn.GELU() (approximate='none'). */
export function gelu(x: Tensor): Tensor {
  return mul(mulScalar(x, 0.5), addScalar(erf(mulScalar(x, Math.SQRT1_2)), 1));
}

/** Mean absolute error; its gradient uses sign(0) = 0, as PyTorch's. */
export function l1Loss(pred: Tensor, target: Tensor): Tensor {
  return mean(abs(sub(pred, target)));
}
