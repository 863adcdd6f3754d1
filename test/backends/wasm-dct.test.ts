// The 1-D DCT op ('dct') on wasm against ref. wasm applies the basis by its symmetry (one rounded
// add or subtract per input element, then a float32 GEMM over n/2 terms in blocks); ref sums all
// n terms in float64 and rounds once. With inputs in [-1, 1] and basis entries below sqrt(2/n),
// the float32 rounding of such sums grows like sqrt(n) * 2^-24 at the scale of the result, so
// every element must satisfy |wasm - ref| <= 2e-6 * sqrt(n), the bound of the matmul tests
// (about 30 ulps there; an indexing or sign bug in a pass shows as O(1) errors).

import { beforeAll, describe, expect, it } from 'vitest';
import { wasmParallelJobs } from '../../src/backends/wasm/index.js';
import { dct2d, dctAxis, idct2d } from '../../src/freq/index.js';
import { noGrad, Rng, scope, tensor } from '../../src/tensor/index.js';
import { expectClose, expectSameBits, randomInput, runBoth, setupWasm } from './wasm-support.js';

beforeAll(async () => {
  await setupWasm(2);
});

const tol = (n: number) => 2e-6 * Math.sqrt(n);

describe('dct (wasm vs ref)', () => {
  // even sizes take the split path (vector bodies and scalar tails, half sizes that fill part
  // of a register tile), odd and tiny ones the full product; several planes and rows exercise
  // the chunking: rows not a multiple of 4, widths that end inside an 8-column panel or a
  // 64-column block, and n = 600 (half 300: two K blocks)
  const shapes = [
    [2, 3, 16, 16], [1, 5, 9, 12], [3, 10, 8], [1, 2, 64, 40], [2, 7, 6], [4, 3, 22, 18], [1, 2, 5, 7], [2, 36, 30], [1, 3, 256, 128],
    [1, 2, 600, 70], [3, 5, 66, 130], [7, 600], [2, 16, 1],
  ];
  for (const shape of shapes) {
    for (const axis of [-1, -2] as const) {
      for (const inverse of [false, true]) {
        const n = shape[shape.length + axis];
        it(`[${shape}] axis ${axis}${inverse ? ' inverse' : ''} (n = ${n}${n % 2 || n < 8 ? ', full product' : ''})`, () => {
          const rng = new Rng(31, shape.reduce((p, d) => p * 7 + d, 2 + axis + (inverse ? 5 : 0)));
          const { ref, wasm } = runBoth('dct', [randomInput(rng, shape)], [shape], { axis, inverse });
          expectClose(wasm[0], ref[0], tol(n), 0, 'dct');
        });
      }
    }
  }

  it('dct2d and idct2d through the op round-trip on wasm', () => {
    scope(() => {
      const v = randomInput(new Rng(3, 3), [2, 4, 32, 24]);
      const x = tensor(v, [2, 4, 32, 24], { backend: 'wasm' });
      const back = noGrad(() => idct2d(dct2d(x)));
      expect(back.backend).toBe('wasm');
      expectClose(back.dataSync() as Float32Array, v, 2 * tol(32), 0, 'round trip');
    });
  });

  it('is bit-identical with 1, 2 and 3 threads', async () => {
    const shape = [2, 32, 48, 72]; // along H: two column blocks per plane
    const x = randomInput(new Rng(4, 4), shape);
    const results: Float32Array[][] = [];
    for (const threads of [1, 2, 3]) {
      await setupWasm(threads);
      const jobs = wasmParallelJobs();
      results.push(([[-1, false], [-2, false], [-1, true], [-2, true]] as const).map(([axis, inverse]) => runBoth('dct', [x], [shape], { axis, inverse }).wasm[0]));
      expect(wasmParallelJobs() - jobs).toBeGreaterThanOrEqual(threads === 1 ? 0 : 4);
    }
    await setupWasm(2);
    for (let t = 1; t < results.length; t++) results[t].forEach((r, k) => expectSameBits(r, results[0][k], `case ${k}, ${t + 1} threads vs 1`));
  });
});

describe('dct op', () => {
  it('refuses an axis other than the last two, and rank 1', () => {
    scope(() => {
      const x = tensor(new Float32Array(12), [3, 4]);
      expect(() => dctAxis(x, 0 as unknown as -1)).toThrow(/axis must be -1 or -2/);
      expect(() => dctAxis(tensor(new Float32Array(4), [4]), -1)).toThrow(/at least 2 dims/);
    });
  });
});
