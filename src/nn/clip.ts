import { add, affine, clamp, div, keep, mul, noGrad, scalar, sqrt, sum, type Tensor } from '../tensor/index.js';

/**
 * torch.nn.utils.clip_grad_norm_ (L2): scales every gradient by min(1, maxNorm / (norm + 1e-6)),
 * always (also when the factor is 1), and returns the norm before clipping as a scalar tensor.
 * Everything stays on the gradients' backend: nothing is read back.
 */
export function clipGradNorm(grads: readonly Tensor[], maxNorm: number): { totalNorm: Tensor; clipped: Tensor[] } {
  if (!(maxNorm > 0)) throw new Error(`clipGradNorm: max norm must be positive, got ${maxNorm}`);
  if (!grads.length) throw new Error('clipGradNorm: no gradients');
  return noGrad(() => {
    let sq: Tensor | null = null;
    for (const g of grads) {
      const s = sum(mul(g, g));
      sq = sq ? add(sq, s) : s;
    }
    const total = sqrt(sq!);
    const coef = clamp(div(scalar(maxNorm, { dtype: total.dtype, backend: total.backend }), affine(total, 1, 1e-6)), null, 1);
    return { totalNorm: keep(total), clipped: grads.map((g) => mul(g, coef)) };
  });
}

/** Clips the `.grad` of each parameter in place of the old gradient; returns the pre-clip norm. */
export function clipGradNorm_(params: readonly Tensor[], maxNorm: number): Tensor {
  const withGrad = params.filter((p) => p.grad);
  const { totalNorm, clipped } = clipGradNorm(
    withGrad.map((p) => p.grad!),
    maxNorm,
  );
  withGrad.forEach((p, i) => {
    p.grad!.dispose();
    p.grad = keep(clipped[i]);
  });
  return totalNorm;
}
