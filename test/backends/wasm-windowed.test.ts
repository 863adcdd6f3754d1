// Pooling, bilinear resize and Haar on 'wasm' against 'ref'. The module repeats the reference's
// float64 arithmetic in the same order (window sums, divisors, tap weights, lifting steps,
// gradient accumulation), so every result must agree bit for bit.

import { beforeAll, describe, it } from 'vitest';
import { poolOutSize } from '../../src/backends/shapes.js';
import { Rng } from '../../src/tensor/index.js';
import { expectSameBits, randomInput, runBoth, setupWasm } from './wasm-support.js';

beforeAll(async () => {
  await setupWasm(2);
});

type P = [number, number];
const poolCases: { shape: number[]; kernel: P; stride: P; padding: P }[] = [
  { shape: [2, 3, 8, 8], kernel: [2, 2], stride: [2, 2], padding: [0, 0] },
  { shape: [1, 2, 9, 7], kernel: [3, 3], stride: [2, 2], padding: [1, 1] },
  { shape: [1, 3, 5, 6], kernel: [3, 2], stride: [1, 2], padding: [1, 0] },
  { shape: [4, 2, 64, 33], kernel: [2, 3], stride: [2, 3], padding: [0, 1] },
  // stride 1 along W: interior outputs two at a time, edges one at a time (the local amplitude's
  // 7x7 average; odd and even interior counts; a window wider than the image)
  { shape: [2, 3, 20, 21], kernel: [7, 7], stride: [1, 1], padding: [3, 3] },
  { shape: [1, 2, 9, 11], kernel: [3, 4], stride: [2, 1], padding: [1, 2] },
  { shape: [1, 1, 6, 3], kernel: [3, 5], stride: [1, 1], padding: [1, 2] },
  { shape: [1, 3, 16, 16], kernel: [2, 2], stride: [1, 1], padding: [0, 0] },
];

describe('pooling (wasm vs ref)', () => {
  for (const c of poolCases) {
    it(`[${c.shape}] kernel ${c.kernel} stride ${c.stride} pad ${c.padding}`, () => {
      const rng = new Rng(31, c.shape.length);
      const x = randomInput(rng, c.shape);
      for (let i = 0; i < x.length; i += 9) x[i] = 0.5; // ties: the first maximum wins
      const H = c.shape[c.shape.length - 2], W = c.shape[c.shape.length - 1];
      const pooled = [...c.shape.slice(0, -2), poolOutSize(H, c.kernel[0], c.stride[0], c.padding[0]), poolOutSize(W, c.kernel[1], c.stride[1], c.padding[1])];
      const g = randomInput(rng, pooled);
      const base = { kernel: c.kernel, stride: c.stride, padding: c.padding };
      let r = runBoth('maxPool2d', [x], [c.shape], base);
      expectSameBits(r.wasm[0], r.ref[0], 'maxPool2d');
      r = runBoth('maxPool2dGrad', [x, g], [c.shape, pooled], base);
      expectSameBits(r.wasm[0], r.ref[0], 'maxPool2dGrad');
      for (const countIncludePad of [false, true]) {
        r = runBoth('avgPool2d', [x], [c.shape], { ...base, countIncludePad });
        expectSameBits(r.wasm[0], r.ref[0], `avgPool2d ${countIncludePad}`);
        r = runBoth('avgPool2dGrad', [g], [pooled], { ...base, countIncludePad, inputShape: c.shape });
        expectSameBits(r.wasm[0], r.ref[0], `avgPool2dGrad ${countIncludePad}`);
      }
    });
  }
});

describe('bilinear resize (wasm vs ref)', () => {
  const cases: { shape: number[]; size: P; ratio?: [number | null, number | null] }[] = [
    { shape: [2, 3, 5, 7], size: [20, 28] },
    { shape: [1, 2, 16, 16], size: [64, 64], ratio: [0.25, 0.25] },
    { shape: [3, 9, 6], size: [4, 3] },
    { shape: [1, 1, 1, 5], size: [3, 1] },
  ];
  for (const c of cases) {
    for (const alignCorners of [false, true]) {
      it(`[${c.shape}] -> ${c.size} alignCorners ${alignCorners}`, () => {
        const rng = new Rng(32, c.size[0]);
        const x = randomInput(rng, c.shape);
        const out = [...c.shape.slice(0, -2), ...c.size];
        const attrs = { size: c.size, alignCorners, ratio: c.ratio ?? [null, null] };
        let r = runBoth('resizeBilinear', [x], [c.shape], attrs);
        expectSameBits(r.wasm[0], r.ref[0], 'resizeBilinear');
        r = runBoth('resizeBilinearGrad', [randomInput(rng, out)], [out], { ...attrs, inputSize: c.shape.slice(-2) });
        expectSameBits(r.wasm[0], r.ref[0], 'resizeBilinearGrad');
      });
    }
  }
});

describe('Haar lifting (wasm vs ref)', () => {
  for (const shape of [[2, 3, 8, 6], [4, 2], [5, 64, 66]]) {
    it(`[${shape}]`, () => {
      const rng = new Rng(33, shape.length);
      const x = randomInput(rng, shape);
      let r = runBoth('haar2d', [x], [shape]);
      expectSameBits(r.wasm[0], r.ref[0], 'haar2d');
      const bands = [...shape.slice(0, -2), 4, shape[shape.length - 2] / 2, shape[shape.length - 1] / 2];
      r = runBoth('ihaar2d', [randomInput(rng, bands)], [bands]);
      expectSameBits(r.wasm[0], r.ref[0], 'ihaar2d');
    });
  }
});
