import { expect } from 'vitest';
import { getBackend, listBackends } from '../../src/backends/registry.js';
import { backward, noGrad, Rng, scope, tensor, type Tensor, mul, sum } from '../../src/tensor/index.js';

export function liveBuffers(): number {
  return listBackends().reduce((n, b) => n + getBackend(b).stats().liveBuffers, 0);
}

/** Runs fn twice; the second run must leave no buffer behind (the first may warm caches). */
export function expectNoLeaks(fn: () => void): void {
  fn();
  const before = liveBuffers();
  fn();
  expect(liveBuffers() - before).toBe(0);
}

export function f64(values: ArrayLike<number>, shape: number[], requiresGrad = true): Tensor {
  return tensor(Float64Array.from(values as ArrayLike<number>), shape, { dtype: 'float64', requiresGrad });
}

export function randomF64(rng: Rng, shape: number[], lo = -1, hi = 1): Float64Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float64Array(n);
  rng.fillUniform(v, lo, hi);
  return v;
}

/**
 * Directional finite-difference check in float64: with L = sum(f(x) * r) and a random direction
 * v per input, compares <grad L, v> from backward() with (L(x + hv) - L(x - hv)) / 2h.
 */
export function gradCheck(f: (...xs: Tensor[]) => Tensor, inputs: { data: Float64Array; shape: number[] }[], opts: { seed?: number; h?: number; rtol?: number; atol?: number } = {}): void {
  const rng = new Rng(opts.seed ?? 1234, 7);
  const h = opts.h ?? 1e-5;
  scope(() => {
    const xs = inputs.map((i) => f64(i.data, i.shape));
    const out = f(...xs);
    const r = f64(randomF64(rng, [...out.shape]), [...out.shape], false);
    backward(sum(mul(out, r)));
    const dirs = inputs.map((i) => randomF64(rng, i.shape));
    let analytic = 0;
    xs.forEach((x, k) => {
      const g = x.grad!.dataSync();
      for (let j = 0; j < g.length; j++) analytic += g[j] * dirs[k][j];
    });
    const lossAt = (sign: number) =>
      noGrad(() =>
        scope(() => {
          const moved = inputs.map((i, k) => f64(i.data.map((v, j) => v + sign * h * dirs[k][j]), i.shape, false));
          return sum(mul(f(...moved), r)).item();
        }),
      );
    const numeric = (lossAt(1) - lossAt(-1)) / (2 * h);
    const tol = (opts.atol ?? 1e-7) + (opts.rtol ?? 1e-6) * Math.max(Math.abs(numeric), Math.abs(analytic));
    expect(Math.abs(analytic - numeric), `analytic ${analytic} vs numeric ${numeric}`).toBeLessThanOrEqual(tol);
    for (const x of xs) x.dispose();
  });
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-6, rtol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i] - expected[i]) - rtol * Math.abs(expected[i]);
    if (!(err <= atol) && (at < 0 || err > worst)) {
      worst = err;
      at = i;
    }
  }
  if (at >= 0) expect.fail(`element ${at}: ${actual[at]} vs ${expected[at]} (atol ${atol}, rtol ${rtol})`);
}
