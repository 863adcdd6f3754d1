// matmul and convolutions on 'wasm' against 'ref'.
//
// Tolerance: ref accumulates in float64 and rounds once; wasm accumulates in float32 in blocks
// of at most 256 terms, then adds the blocks. With inputs in [-1, 1] each product is at most 1,
// and the rounding error of such a sum grows like sqrt(K) * 2^-24 * (typical magnitude), so
// every element must satisfy |wasm - ref| <= 2e-6 * sqrt(K) (about 30 float32 ulps at the
// scale of the sums, far below any indexing or packing bug, which shows as O(1) errors).

import { beforeAll, describe, expect, it } from 'vitest';
import { convOutSize } from '../../src/backends/shapes.js';
import { wasmParallelJobs } from '../../src/backends/wasm/index.js';
import { Rng } from '../../src/tensor/index.js';
import { expectClose, expectSameBits, randomInput, runBoth, setupWasm } from './wasm-support.js';

const dotTol = (K: number) => 2e-6 * Math.sqrt(Math.max(K, 1));

beforeAll(async () => {
  await setupWasm(2);
});

describe('matmul (wasm vs ref)', () => {
  const cases: { a: number[]; b: number[]; transA?: boolean; transB?: boolean }[] = [
    { a: [1, 1], b: [1, 1] },
    { a: [3, 5], b: [5, 2] },
    { a: [37, 53], b: [53, 29] },
    { a: [64, 256], b: [256, 64] },
    { a: [67, 300], b: [300, 261] }, // tails in M, N and a K block of 150
    { a: [53, 37], b: [53, 29], transA: true },
    { a: [37, 53], b: [29, 53], transB: true },
    { a: [53, 37], b: [29, 53], transA: true, transB: true },
    { a: [2, 3, 9, 7], b: [7, 5] }, // batch broadcast of b
    { a: [9, 7], b: [4, 7, 6] }, // batch broadcast of a
    { a: [2, 1, 5, 6], b: [1, 3, 6, 4] }, // both broadcast
    { a: [3, 8, 0], b: [3, 0, 5] }, // K = 0
    { a: [1, 513], b: [513, 1] }, // vector dot: three K blocks
  ];
  for (const c of cases) {
    it(`[${c.a}]${c.transA ? 'ᵀ' : ''} @ [${c.b}]${c.transB ? 'ᵀ' : ''}`, () => {
      const rng = new Rng(11, c.a.length * 100 + c.b[c.b.length - 1]);
      const K = c.transA ? c.a[c.a.length - 2] : c.a[c.a.length - 1];
      const { ref, wasm } = runBoth('matmul', [randomInput(rng, c.a), randomInput(rng, c.b)], [c.a, c.b], { transA: !!c.transA, transB: !!c.transB });
      expectClose(wasm[0], ref[0], dotTol(K), 0, 'matmul');
    });
  }
});

describe('GEMM chunking', () => {
  it('grouping M blocks into chunks changes no bit: a batched matmul equals its entries multiplied one by one', () => {
    // The host gives a chunk several M blocks when there are enough chunks (assembly/gemm.ts
    // packs B once for them): [6, 260, 90] @ [90, 40] runs 6 x 5 M blocks in groups, each
    // [260, 90] @ [90, 40] alone runs them one per chunk. Each C element must sum the same
    // products in the same order either way.
    const rng = new Rng(12, 1);
    const a = randomInput(rng, [6, 260, 90]), b = randomInput(rng, [90, 40]);
    const batched = runBoth('matmul', [a, b], [[6, 260, 90], [90, 40]], { transA: false, transB: false }).wasm[0];
    for (let i = 0; i < 6; i++) {
      const one = runBoth('matmul', [a.subarray(i * 260 * 90, (i + 1) * 260 * 90), b], [[260, 90], [90, 40]], { transA: false, transB: false }).wasm[0];
      expectSameBits(batched.subarray(i * 260 * 40, (i + 1) * 260 * 40), one, `entry ${i}`);
    }
  });
});

interface ConvCase {
  n: number;
  c: number;
  h: number;
  w: number;
  o: number;
  k: [number, number];
  stride: [number, number];
  pad: [number, number];
  bias?: boolean;
}

const convCases: ConvCase[] = [
  { n: 2, c: 3, h: 9, w: 11, o: 5, k: [3, 3], stride: [1, 1], pad: [1, 1], bias: true },
  { n: 1, c: 4, h: 16, w: 16, o: 8, k: [3, 3], stride: [1, 1], pad: [1, 1] },
  { n: 2, c: 5, h: 13, w: 10, o: 7, k: [3, 3], stride: [2, 2], pad: [1, 1], bias: true },
  { n: 1, c: 3, h: 8, w: 9, o: 4, k: [3, 3], stride: [2, 1], pad: [0, 2] },
  { n: 3, c: 6, h: 7, w: 9, o: 5, k: [1, 1], stride: [1, 1], pad: [0, 0], bias: true },
  { n: 1, c: 8, h: 10, w: 10, o: 3, k: [1, 1], stride: [2, 2], pad: [0, 0] },
  // 1x1 stride 1 runs as a per-image matrix product: several M blocks, two K blocks of 150, batch 2
  { n: 2, c: 300, h: 9, w: 7, o: 70, k: [1, 1], stride: [1, 1], pad: [0, 0], bias: true },
  { n: 2, c: 2, h: 6, w: 7, o: 3, k: [2, 3], stride: [1, 2], pad: [1, 0] },
  { n: 1, c: 70, h: 12, w: 12, o: 66, k: [3, 3], stride: [1, 1], pad: [1, 1], bias: true }, // several M blocks and K blocks
  // 3x3 stride 1 pad 1 runs Winograd F(2x2,3x3): odd sizes clip tiles, rows of tiles not a multiple
  // of 4 split the vector path, more than 32 tiles span chunks, O not a multiple of 4 pads panels
  { n: 2, c: 9, h: 7, w: 5, o: 6, k: [3, 3], stride: [1, 1], pad: [1, 1], bias: true },
  { n: 1, c: 16, h: 20, w: 22, o: 13, k: [3, 3], stride: [1, 1], pad: [1, 1] },
  { n: 2, c: 64, h: 18, w: 16, o: 64, k: [3, 3], stride: [1, 1], pad: [1, 1], bias: true },
  { n: 1, c: 1, h: 1, w: 1, o: 1, k: [3, 3], stride: [1, 1], pad: [1, 1] },
];

describe('conv2d and its gradients (wasm vs ref)', () => {
  for (const c of convCases) {
    const label = `x [${c.n},${c.c},${c.h},${c.w}] w [${c.o},${c.c},${c.k}] stride ${c.stride} pad ${c.pad}${c.bias ? ' +bias' : ''}`;
    const ho = convOutSize(c.h, c.k[0], c.stride[0], c.pad[0]);
    const wo = convOutSize(c.w, c.k[1], c.stride[1], c.pad[1]);
    const xs = [c.n, c.c, c.h, c.w];
    const ws = [c.o, c.c, ...c.k];
    const gs = [c.n, c.o, ho, wo];
    const base = { stride: c.stride, padding: c.pad };

    it(`forward: ${label}`, () => {
      const rng = new Rng(21, c.c * 31 + c.o);
      const inputs = [randomInput(rng, xs), randomInput(rng, ws)];
      const shapes = [xs, ws];
      if (c.bias) {
        inputs.push(randomInput(rng, [c.o]));
        shapes.push([c.o]);
      }
      const { ref, wasm } = runBoth('conv2d', inputs, shapes, base);
      expectClose(wasm[0], ref[0], dotTol(c.c * c.k[0] * c.k[1]) + (c.bias ? 1e-7 : 0), 0, 'conv2d');
    });

    it(`input gradient: ${label}`, () => {
      const rng = new Rng(22, c.c * 31 + c.o);
      const { ref, wasm } = runBoth('conv2dGradInput', [randomInput(rng, gs), randomInput(rng, ws)], [gs, ws], { ...base, inputShape: xs });
      expectClose(wasm[0], ref[0], dotTol(c.o * c.k[0] * c.k[1]), 0, 'conv2dGradInput');
    });

    it(`weight gradient: ${label}`, () => {
      const rng = new Rng(23, c.c * 31 + c.o);
      const { ref, wasm } = runBoth('conv2dGradWeight', [randomInput(rng, xs), randomInput(rng, gs)], [xs, gs], { ...base, kernelSize: c.k });
      expectClose(wasm[0], ref[0], dotTol(c.n * ho * wo), 0, 'conv2dGradWeight');
    });
  }
});

describe('thread count does not change results', () => {
  it('Winograd convolutions (forward and both gradients) are bit-identical with 1, 2 and 3 threads', async () => {
    const rng = new Rng(6, 6);
    const xs = [2, 32, 30, 34], ws = [28, 32, 3, 3], gs = [2, 28, 30, 34];
    const x = randomInput(rng, xs), w = randomInput(rng, ws), g = randomInput(rng, gs), b = randomInput(rng, [28]);
    const attrs = { stride: [1, 1], padding: [1, 1] };
    const results: Float32Array[][] = [];
    for (const threads of [1, 2, 3]) {
      await setupWasm(threads);
      const jobs = wasmParallelJobs();
      results.push([
        runBoth('conv2d', [x, w, b], [xs, ws, [28]], attrs).wasm[0],
        runBoth('conv2dGradInput', [g, w], [gs, ws], { ...attrs, inputShape: xs }).wasm[0],
        runBoth('conv2dGradWeight', [x, g], [xs, gs], { ...attrs, kernelSize: [3, 3] }).wasm[0],
      ]);
      expect(wasmParallelJobs() - jobs).toBeGreaterThanOrEqual(threads === 1 ? 0 : 3);
    }
    await setupWasm(2);
    for (let t = 1; t < results.length; t++) {
      results[t].forEach((r, k) => expectSameBits(r, results[0][k], `kernel ${k}, ${t + 1} threads vs 1`));
    }
  });

  it('matmul, conv kernels and sums are bit-identical with 1, 2 and 3 threads', async () => {
    const rng = new Rng(5, 5);
    // Sizes above the kernels' parallel thresholds, so 2 and 3 threads really split the work.
    const xs = [2, 32, 24, 24], ws = [24, 32, 3, 3], gs = [2, 24, 12, 12];
    const x = randomInput(rng, xs), w = randomInput(rng, ws), g = randomInput(rng, gs), b = randomInput(rng, [24]);
    const a = randomInput(rng, [3, 130, 200]), m = randomInput(rng, [200, 140]);
    const attrs = { stride: [2, 2], padding: [1, 1] };
    const results: Float32Array[][] = [];
    for (const threads of [1, 2, 3]) {
      await setupWasm(threads);
      const jobs = wasmParallelJobs();
      results.push([
        runBoth('matmul', [a, m], [[3, 130, 200], [200, 140]], { transA: false, transB: false }).wasm[0],
        runBoth('conv2d', [x, w, b], [xs, ws, [24]], attrs).wasm[0],
        runBoth('conv2dGradInput', [g, w], [gs, ws], { ...attrs, inputShape: xs }).wasm[0],
        runBoth('conv2dGradWeight', [x, g], [xs, gs], { ...attrs, kernelSize: [3, 3] }).wasm[0],
        runBoth('sum', [a], [[3, 130, 200]], { axes: [2], keepDims: false }).wasm[0],
        runBoth('sum', [a], [[3, 130, 200]], { axes: [0, 2], keepDims: false }).wasm[0], // split over the kept axis
      ]);
      expect(wasmParallelJobs() - jobs).toBe(threads === 1 ? 0 : 6);
    }
    await setupWasm(2);
    for (let t = 1; t < results.length; t++) {
      results[t].forEach((r, k) => expectSameBits(r, results[0][k], `kernel ${k}, ${t + 1} threads vs 1`));
    }
    expect(results.length).toBe(3);
  });
});
