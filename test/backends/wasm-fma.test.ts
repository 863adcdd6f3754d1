// The wasm backend's fused multiply-add build (initWasmBackend({ fma: true }), CLI --fma): the
// GEMM register tile uses relaxed SIMD's relaxed_madd, which V8 lowers to one fused instruction
// on x86-64 with FMA3 (every x86-64 CPU since 2013) and on arm64. Every matrix product and
// convolution goes through that tile. Checked here: the same tolerance against ref as the
// default build (rounding once instead of twice per product can only shrink the error), the
// same bit-identity across thread counts, and that the products really are fused.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { convOutSize } from '../../src/backends/shapes.js';
import { initWasmBackend, wasmFma } from '../../src/backends/wasm/index.js';
import { enableRelaxedSimd } from '../../src/node/relaxed-simd.js';
import { Rng } from '../../src/tensor/index.js';
import { expectClose, expectSameBits, randomInput, runBoth, setupWasm } from './wasm-support.js';

const dotTol = (K: number) => 2e-6 * Math.sqrt(Math.max(K, 1));

beforeAll(async () => {
  enableRelaxedSimd();
  await setupWasm(2, true);
});

describe('wasm with fused multiply-add', () => {
  it('runs the fused build and keeps it: asking for the default build afterwards is an error', async () => {
    expect(wasmFma()).toBe(true);
    await expect(initWasmBackend({ fma: false })).rejects.toThrow(/already started with fused multiply-add/);
    await initWasmBackend({ threads: 2 }); // a thread change alone is fine
    expect(wasmFma()).toBe(true);
  });

  it('fuses: (-1)(1 + 2^-11) + (1 + 2^-12)^2 is 2^-24 with one rounding, 0 with two', () => {
    // (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24 rounds to 1 + 2^-11 in float32; fused, the 2^-24 survives
    const a = new Float32Array([-1, 1 + 2 ** -12]);
    const b = new Float32Array([1 + 2 ** -11, 1 + 2 ** -12]);
    const { wasm } = runBoth('matmul', [a, b], [[1, 2], [2, 1]], { transA: false, transB: false });
    expect(wasm[0][0]).toBe(2 ** -24);
  });

  const convs = [
    { n: 2, c: 64, h: 18, w: 16, o: 64, k: 3, s: 1, p: 1 }, // Winograd
    { n: 2, c: 5, h: 13, w: 10, o: 7, k: 3, s: 2, p: 1 }, // im2col GEMM
    { n: 2, c: 300, h: 9, w: 7, o: 70, k: 1, s: 1, p: 0 }, // 1x1 as matrix products
  ];
  for (const c of convs) {
    it(`conv2d and both gradients within the default build's tolerance: x [${c.n},${c.c},${c.h},${c.w}] k ${c.k} stride ${c.s}`, () => {
      const rng = new Rng(31, c.c + c.k);
      const ho = convOutSize(c.h, c.k, c.s, c.p), wo = convOutSize(c.w, c.k, c.s, c.p);
      const xs = [c.n, c.c, c.h, c.w], ws = [c.o, c.c, c.k, c.k], gs = [c.n, c.o, ho, wo];
      const attrs = { stride: [c.s, c.s], padding: [c.p, c.p] };
      const x = randomInput(rng, xs), w = randomInput(rng, ws), g = randomInput(rng, gs);
      const f = runBoth('conv2d', [x, w], [xs, ws], attrs);
      expectClose(f.wasm[0], f.ref[0], dotTol(c.c * c.k * c.k), 0, 'conv2d');
      const gi = runBoth('conv2dGradInput', [g, w], [gs, ws], { ...attrs, inputShape: xs });
      expectClose(gi.wasm[0], gi.ref[0], dotTol(c.o * c.k * c.k), 0, 'conv2dGradInput');
      const gw = runBoth('conv2dGradWeight', [x, g], [xs, gs], { ...attrs, kernelSize: [c.k, c.k] });
      expectClose(gw.wasm[0], gw.ref[0], dotTol(c.n * ho * wo), 0, 'conv2dGradWeight');
    });
  }

  it('matmul within tolerance, and bit-identical with 1, 2 and 3 threads', async () => {
    const rng = new Rng(32, 1);
    const a = randomInput(rng, [3, 130, 300]), m = randomInput(rng, [300, 140]);
    const x = randomInput(rng, [2, 32, 30, 34]), w = randomInput(rng, [28, 32, 3, 3]);
    const results: Float32Array[][] = [];
    for (const threads of [1, 2, 3]) {
      await setupWasm(threads);
      const mm = runBoth('matmul', [a, m], [[3, 130, 300], [300, 140]], { transA: false, transB: false });
      expectClose(mm.wasm[0], mm.ref[0], dotTol(300), 0, 'matmul');
      results.push([mm.wasm[0], runBoth('conv2d', [x, w], [[2, 32, 30, 34], [28, 32, 3, 3]], { stride: [1, 1], padding: [1, 1] }).wasm[0]]);
    }
    await setupWasm(2);
    for (let t = 1; t < results.length; t++) results[t].forEach((r, k) => expectSameBits(r, results[0][k], `result ${k}, ${t + 1} threads vs 1`));
  });
});

const built = existsSync('dist/backends/wasm/index.js');

describe.skipIf(!built)('without relaxed SIMD (needs `npm run build`)', () => {
  it('asking for fma is a clear error that says how to enable it', () => {
    // a fresh Node process without the V8 flag (this one has it on now), on the built package
    const code = `import('./dist/backends/wasm/index.js').then((m) => m.initWasmBackend({ fma: true })).then(() => console.log('started'), (e) => console.log(e.message))`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
    expect(out).toMatch(/fused multiply-add needs WebAssembly relaxed SIMD.*--experimental-wasm-relaxed-simd/);
  });
});
