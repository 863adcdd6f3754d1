// Tensors above 2^24 elements on the gpu backend (webgpu on SwiftShader): kernels index in 32-bit
// integers, so every element of a 2^25-element result lands where it should. Each case's values
// are a flat index modulo a prime (or sums and products of such small integers, all exact in
// float32), so an index that rounded, as float32 indices above 2^24 do, reads or writes a
// neighbour and shows as a wrong value; every element is checked against a closed form computed
// here. Few and lean cases: the software GPU runs ~2^25 threads a kernel.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuBackend } from '../../src/backends/gpu/index.js';
import { add, conv2d, permute, setBackend, sum, tensor, type Tensor } from '../../src/tensor/index.js';
import { gpuSkipReason, setupGpu } from './gpu-support.js';

const reason = gpuSkipReason();
const TIMEOUT = 180_000;

/** v[k] = k mod p + shift for k < n. */
function modPattern(n: number, p: number, shift = 0): Float32Array {
  const v = new Float32Array(n);
  for (let k = 0; k < n; k++) v[k] = (k % p) + shift;
  return v;
}

/** The index of the first element where got differs from want(k), or -1. */
function firstWrong(got: Float32Array, n: number, want: (k: number) => number): number {
  expect(got.length).toBe(n);
  for (let k = 0; k < n; k++) if (got[k] !== want(k)) return k;
  return -1;
}

describe.skipIf(reason)(`gpu backend: tensors above 2^24 elements${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let be: GpuBackend;
  const made: Tensor[] = [];
  const keep = <T extends Tensor>(t: T): T => (made.push(t), t);

  beforeAll(async () => {
    be = await setupGpu();
    setBackend('gpu');
  });
  afterAll(() => {
    for (const t of made.splice(0)) t.dispose();
    setBackend('ref');
  });

  /** Checks the op ran on the GPU (dispatches) and returns the result's values. */
  async function gpuValues(fn: () => Tensor): Promise<Float32Array> {
    const before = be.rt.dispatches;
    const y = keep(fn());
    expect(y.backend).toBe('gpu');
    const v = (await y.data()) as Float32Array;
    expect(be.rt.dispatches).toBeGreaterThan(before);
    expect(be.rt.kernelClass).toBe('WebGPUKernel');
    y.dispose();
    return v;
  }

  it(
    'add with broadcasting: [5, 1, W] + [1, 3, W] -> 2^25 + 13 elements, each the sum of its two sources',
    async () => {
      const W = 2236963; // 5 * 3 * W = 2^25 + 13; W is prime, so no axes merge
      const a = keep(tensor(modPattern(5 * W, 251), [5, 1, W]));
      const b = keep(tensor(modPattern(3 * W, 241, 1000), [1, 3, W]));
      const n = 15 * W;
      expect(n).toBeGreaterThan(2 ** 25);
      const z = await gpuValues(() => add(a, b));
      const wrong = firstWrong(z, n, (k) => {
        const w = k % W;
        const h = Math.floor(k / W) % 3;
        const m = Math.floor(k / (3 * W));
        return ((m * W + w) % 251) + ((h * W + w) % 241) + 1000;
      });
      expect(wrong, `element ${wrong}`).toBe(-1);
    },
    TIMEOUT,
  );

  it(
    'sum along either axis of a [4099, 8193] tensor (2^25 + 12302 elements)',
    async () => {
      const [R, C] = [4099, 8193];
      const host = modPattern(R * C, 7);
      const x = keep(tensor(host, [R, C]));
      const rows = new Float64Array(R);
      const cols = new Float64Array(C);
      for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) (rows[r] += host[r * C + c]), (cols[c] += host[r * C + c]);
      // every partial sum is an integer below 2^24: float32 adds them exactly, in any order
      const byRow = await gpuValues(() => sum(x, 1));
      expect(firstWrong(byRow, R, (r) => rows[r])).toBe(-1);
      const byCol = await gpuValues(() => sum(x, 0));
      expect(firstWrong(byCol, C, (c) => cols[c])).toBe(-1);
    },
    TIMEOUT,
  );

  it(
    'permute [2, 4099, 4097] -> [2, 4097, 4099] (2^25 + 16394 elements): each element from its source',
    async () => {
      const [N, A, B] = [2, 4099, 4097];
      const x = keep(tensor(modPattern(N * A * B, 251), [N, A, B]));
      const y = await gpuValues(() => permute(x, [0, 2, 1]));
      const wrong = firstWrong(y, N * A * B, (k) => {
        const i = k % A;
        const j = Math.floor(k / A) % B;
        const m = Math.floor(k / (A * B));
        return (m * A * B + i * B + j) % 251;
      });
      expect(wrong, `element ${wrong}`).toBe(-1);
    },
    TIMEOUT,
  );

  it(
    'conv2d 3x3, padding 1: [1, 1, 4100, 4100] -> [1, 2, 4100, 4100] (2^25 + 65568 elements)',
    async () => {
      const S = 4100;
      const xs = modPattern(S * S, 5, -2); // -2..2
      const ws = Float32Array.from({ length: 18 }, (_, k) => (k % 7) - 3);
      const x = keep(tensor(xs, [1, 1, S, S]));
      const w = keep(tensor(ws, [2, 1, 3, 3]));
      const y = await gpuValues(() => conv2d(x, w, null, { padding: 1 }));
      const want = new Float32Array(2 * S * S);
      for (let o = 0; o < 2; o++) {
        for (let ky = 0; ky < 3; ky++) {
          for (let kx = 0; kx < 3; kx++) {
            const wv = ws[o * 9 + ky * 3 + kx];
            for (let oy = Math.max(0, 1 - ky); oy < Math.min(S, S + 1 - ky); oy++) {
              const row = o * S * S + oy * S;
              const src = (oy + ky - 1) * S + kx - 1;
              for (let ox = Math.max(0, 1 - kx); ox < Math.min(S, S + 1 - kx); ox++) want[row + ox] += xs[src + ox] * wv;
            }
          }
        }
      }
      // small integers: exact in any order of summation
      const wrong = firstWrong(y, 2 * S * S, (k) => want[k]);
      expect(wrong, `element ${wrong}`).toBe(-1);
    },
    TIMEOUT,
  );
});
