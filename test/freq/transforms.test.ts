import { describe, expect, it } from 'vitest';
import { clearDctCache, dct2d, dctAxis, dctBasisValues, dctMatrix, dwtHaar, haarBands, fromHaarBands, idct2d, idwtHaar } from '../../src/freq/index.js';
import { Rng } from '../../src/tensor/rng.js';
import { matmul, scope, tensor } from '../../src/tensor/index.js';
import { expectClose, expectNoLeaks, gradCheck, randomF64 } from '../support/engine.js';

describe('DCT-II (orthonormal, separable matmuls)', () => {
  it('the basis is orthonormal: C Cᵀ = I', () => {
    for (const n of [1, 2, 7, 16, 33]) {
      const c = dctBasisValues(n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += c[i * n + k] * c[j * n + k];
          expect(Math.abs(s - (i === j ? 1 : 0))).toBeLessThan(1e-14);
        }
      }
    }
  });
  it('matches the textbook sum on a small case and round-trips', () => {
    scope(() => {
      const rng = new Rng(8, 0);
      const v = randomF64(rng, [2, 5, 6]);
      const x = tensor(v, [2, 5, 6], { dtype: 'float64' });
      const X = dct2d(x).dataSync();
      // direct double sum for one coefficient of the second image
      const [k, l] = [3, 4];
      let ref = 0;
      for (let i = 0; i < 5; i++) for (let j = 0; j < 6; j++) ref += v[30 + i * 6 + j] * Math.cos((Math.PI * (2 * i + 1) * k) / 10) * Math.cos((Math.PI * (2 * j + 1) * l) / 12);
      ref *= Math.sqrt(2 / 5) * Math.sqrt(2 / 6);
      expect(Math.abs(X[30 + k * 6 + l] - ref)).toBeLessThan(1e-13);
      expectClose(idct2d(dct2d(x)).dataSync(), v, 1e-13, 0);
    });
  });
  it('gradients: each transform differentiates to the other', () => {
    const rng = new Rng(9, 0);
    gradCheck(dct2d, [{ data: randomF64(rng, [2, 3, 4, 5]), shape: [2, 3, 4, 5] }]);
    gradCheck(idct2d, [{ data: randomF64(rng, [3, 7, 2]), shape: [3, 7, 2] }]);
  });
  it('the 1-D op along each axis: its gradient is the inverse transform, and it equals the basis product', () => {
    const rng = new Rng(12, 0);
    for (const axis of [-1, -2] as const) {
      for (const inverse of [false, true]) {
        gradCheck((t) => dctAxis(t, axis, inverse), [{ data: randomF64(rng, [2, 6, 5]), shape: [2, 6, 5] }]);
        scope(() => {
          // ref's kernel against the decomposition other backends run (same float64 sums)
          const x = tensor(randomF64(rng, [3, 8, 6]), [3, 8, 6], { dtype: 'float64' });
          const c = dctMatrix(x.shape[3 + axis], 'float64');
          const viaMatmul = axis === -1 ? matmul(x, c, false, !inverse) : matmul(c, x, inverse, false);
          expectClose(dctAxis(x, axis, inverse).dataSync(), viaMatmul.dataSync(), 1e-15, 0);
        });
      }
    }
  });
  it('caches bases without leaking per call', () => {
    expectNoLeaks(() => scope(() => void idct2d(dct2d(tensor(new Float32Array(24), [2, 3, 4])))));
    clearDctCache();
  });
});

describe('Haar DWT (lifting)', () => {
  it('pywt subband order and signs on one 2x2 block', () => {
    scope(() => {
      const [a, b, c, d] = [1, 2, 3, 5];
      const { yl, yh } = dwtHaar(tensor([a, b, c, d], [1, 1, 2, 2], { dtype: 'float32' }));
      expect(yl.shape).toEqual([1, 1, 1, 1]);
      expect(yh.shape).toEqual([1, 1, 3, 1, 1]);
      expectClose(yl.dataSync(), [(a + b + c + d) / 2], 1e-6);
      expectClose(yh.dataSync(), [(a + b - c - d) / 2, (a - b + c - d) / 2, (a - b - c + d) / 2], 1e-6);
      expectClose(idwtHaar(yl, yh).dataSync(), [a, b, c, d], 1e-6);
    });
  });
  it('bands round-trip and are differentiable', () => {
    const rng = new Rng(10, 0);
    const x = { data: randomF64(rng, [2, 2, 4, 6]), shape: [2, 2, 4, 6] };
    scope(() => expectClose(fromHaarBands(haarBands(tensor(x.data, x.shape))).dataSync(), x.data, 1e-14, 0));
    gradCheck((t) => fromHaarBands(haarBands(t)), [x]);
    gradCheck((t) => dwtHaar(t).yh, [x]);
  });
});
