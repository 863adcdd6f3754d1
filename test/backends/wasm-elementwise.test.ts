// Elementwise ops, reductions, movement ops and the Adam update on 'wasm' against 'ref'.
//
// Tolerances: + - * / sqrt neg abs sign relu, comparisons, affine and clamp (done in float64 as
// the reference does), sums (float64, in the reference's order), extremum, copies and Adam
// (float64, same steps) must agree bit for bit. exp, log, sin, cos and erf use the module's own
// float64 Math (or erf series) where ref uses the JS engine's: both are within an ulp in
// float64, so the float32 results may differ by at most 1 float32 ulp.

import { beforeAll, describe, expect, it } from 'vitest';
import type { Shape } from '../../src/backends/types.js';
import { Rng } from '../../src/tensor/index.js';
import { expectClose, expectSameBits, randomInput, runBoth, setupWasm } from './wasm-support.js';

beforeAll(async () => {
  await setupWasm(2);
});

/** Values with the awkward cases mixed in: signed zeros, infinities, NaN, ties. */
function special(rng: Rng, n: number, lo = -3, hi = 3): Float32Array {
  const v = rng.fillUniform(new Float32Array(n), lo, hi);
  const extras = [0, -0, Infinity, -Infinity, NaN, 1, -1, 0.5];
  for (let i = 0; i < n; i += 7) v[i] = extras[(i / 7) % extras.length];
  return v;
}

describe('unary (wasm vs ref)', () => {
  const exact = ['neg', 'sqrt', 'abs', 'sign', 'relu'];
  const ulp1 = ['exp', 'log', 'sin', 'cos', 'erf'];
  for (const n of [1, 3, 4, 17, 16384 * 5 + 3]) {
    for (const op of [...exact, ...ulp1]) {
      it(`${op} on ${n} elements`, () => {
        const x = special(new Rng(3, n), n, op === 'exp' ? -80 : -5, op === 'exp' ? 80 : 5);
        const { ref, wasm } = runBoth(op, [x], [[n]]);
        if (exact.includes(op)) expectSameBits(wasm[0], ref[0], op);
        else expectClose(wasm[0], ref[0], 0, 1, op);
      });
    }
  }
  it('affine, compareScalar and clamp with float64 constants', () => {
    const n = 1001;
    const x = special(new Rng(4, 1), n);
    const checks: [string, object][] = [
      ['affine', { scale: 2 / Math.sqrt(Math.PI), shift: 0.1 }],
      ['affine', { scale: -1e-3, shift: 3 }],
      ['compareScalar', { cmp: 'gt', value: 0.1 }],
      ['compareScalar', { cmp: 'ge', value: 0.5 }],
      ['compareScalar', { cmp: 'lt', value: -0.1 }],
      ['compareScalar', { cmp: 'le', value: 1 }],
      ['compareScalar', { cmp: 'eq', value: 0.5 }],
      ['clamp', { min: -0.1, max: 0.7 }],
      ['clamp', { min: null, max: 0.3 }],
      ['clamp', { min: 0.2, max: null }],
    ];
    for (const [op, attrs] of checks) {
      const { ref, wasm } = runBoth(op, [x], [[n]], attrs as never);
      expectSameBits(wasm[0], ref[0], `${op} ${JSON.stringify(attrs)}`);
    }
  });
});

describe('binary with broadcasting (wasm vs ref), bit for bit', () => {
  const pairs: [Shape, Shape][] = [
    [[5], [5]],
    [[40003], [40003]],
    [[2, 3, 4, 5], [3, 1, 5]],
    [[8, 16, 9, 9], [1, 16, 1, 1]], // bias-like
    [[3, 1], [1, 7]], // outer
    [[], [2, 3]], // scalar
    [[4, 1, 6], [4, 5, 1]],
    [[2, 64, 33], [2, 64, 33]],
    [[1, 1], [1, 1]],
  ];
  for (const [sa, sb] of pairs) {
    it(`[${sa}] op [${sb}]`, () => {
      const rng = new Rng(8, sa.length * 10 + sb.length);
      const a = special(rng, sa.reduce((p, d) => p * d, 1));
      const b = special(rng, sb.reduce((p, d) => p * d, 1));
      for (const op of ['add', 'sub', 'mul', 'div', 'reluGrad']) {
        const { ref, wasm } = runBoth(op, [a, b], [sa, sb]);
        expectSameBits(wasm[0], ref[0], op);
        const swapped = runBoth(op, [b, a], [sb, sa]);
        expectSameBits(swapped.wasm[0], swapped.ref[0], `${op} swapped`);
      }
      for (const cmp of ['gt', 'ge', 'lt', 'le', 'eq']) {
        const { ref, wasm } = runBoth('compare', [a, b], [sa, sb], { cmp });
        expectSameBits(wasm[0], ref[0], `compare ${cmp}`);
      }
    });
  }
});

describe('reductions (wasm vs ref), bit for bit', () => {
  const cases: [Shape, number[]][] = [
    [[7], [0]],
    [[3, 5], [1]],
    [[3, 5], [0]],
    [[2, 3, 4, 5], [0, 2, 3]],
    [[2, 3, 4, 5], [1, 3]],
    [[2, 3, 4, 5], [0, 1, 2, 3]],
    [[4, 1, 6], [1]],
    [[8, 32, 1000], [2]], // groupNorm-like, chunked over the first axis
    [[4, 67, 30, 33], [0, 2, 3]], // a bias gradient: split over the kept channels, on several threads
    [[6, 7], []],
  ];
  for (const [shape, axes] of cases) {
    it(`[${shape}] over [${axes}]`, () => {
      const rng = new Rng(9, shape.length * 10 + axes.length);
      const n = shape.reduce((p, d) => p * d, 1);
      const x = randomInput(rng, shape);
      // Ties and a NaN, to pin first-extremum semantics.
      for (let i = 0; i < n; i += 5) x[i] = 0.75;
      const withNaN = x.slice();
      withNaN[Math.floor(n / 2)] = NaN;
      for (const keepDims of [false, true]) {
        const r = runBoth('sum', [x], [shape], { axes, keepDims });
        expectSameBits(r.wasm[0], r.ref[0], 'sum');
      }
      for (const kind of ['max', 'min']) {
        for (const data of [x, withNaN]) {
          const e = runBoth('extremum', [data], [shape], { axes, keepDims: false, kind });
          expectSameBits(e.wasm[0], e.ref[0], `extremum ${kind}`);
          const m = runBoth('extremumMask', [data], [shape], { axes, kind });
          expectSameBits(m.wasm[0], m.ref[0], `extremumMask ${kind}`);
        }
      }
    });
  }
});

describe('movement ops (wasm vs ref), bit for bit', () => {
  const rng = new Rng(10, 1);
  const x = special(rng, 2 * 3 * 4 * 5);
  const s = [2, 3, 4, 5];
  it('permute', () => {
    for (const perm of [[0, 1, 2, 3], [3, 2, 1, 0], [0, 2, 1, 3], [1, 0, 3, 2]]) {
      const r = runBoth('permute', [x], [s], { perm });
      expectSameBits(r.wasm[0], r.ref[0], `permute ${perm}`);
    }
  });
  it('expand', () => {
    const y = special(rng, 3 * 5);
    const r = runBoth('expand', [y], [[3, 1, 5]], { shape: [2, 3, 4, 5] });
    expectSameBits(r.wasm[0], r.ref[0], 'expand');
  });
  it('slice', () => {
    const r = runBoth('slice', [x], [s], { begin: [1, 0, 1, 2], end: [2, 3, 3, 5] });
    expectSameBits(r.wasm[0], r.ref[0], 'slice');
  });
  it('split', () => {
    for (const [axis, sizes] of [[1, [1, 0, 2]], [3, [2, 1, 2]], [0, [2]]] as [number, number[]][]) {
      const r = runBoth('split', [x], [s], { axis, sizes });
      expect(r.wasm.length).toBe(sizes.length);
      r.wasm.forEach((w, i) => expectSameBits(w, r.ref[i], `split axis ${axis} piece ${i}`));
    }
  });
  it('pad', () => {
    const r = runBoth('pad', [x], [s], { pads: [[0, 1], [1, 0], [2, 2], [0, 3]], value: -0.5 });
    expectSameBits(r.wasm[0], r.ref[0], 'pad');
  });
  it('concat', () => {
    const y = special(rng, 2 * 2 * 4 * 5);
    for (const [axis, ys] of [[1, [2, 2, 4, 5]], [0, [2, 3, 4, 5]]] as const) {
      const yy = axis === 0 ? x : y;
      const r = runBoth('concat', [x, yy, x], [s, ys as unknown as number[], s], { axis });
      expectSameBits(r.wasm[0], r.ref[0], `concat ${axis}`);
    }
  });
});

describe('adamStep (wasm vs ref), bit for bit', () => {
  // four elements at a time in float64 lanes, then a scalar tail: sizes with and without one
  for (const n of [3, 4, 7, 70001]) {
    it(`updates p, m and v in place (${n} elements)`, () => {
      const rng = new Rng(12, n);
      const p = randomInput(rng, [n]);
      const m = randomInput(rng, [n], -0.1, 0.1);
      const v = randomInput(rng, [n], 0, 0.01);
      const g = randomInput(rng, [n]);
      // zero moments and gradients, and gradients far from 1
      for (let i = 0; i < n; i += 5) [v[i], g[i]] = [0, 0];
      for (let i = 2; i < n; i += 11) g[i] *= 1e4;
      const attrs = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, step: 7 };
      const r = runBoth('adamStep', [p, m, v, g], [[n], [n], [n], [n]], attrs, true);
      for (let k = 0; k < 3; k++) expectSameBits(r.wasm[k], r.ref[k], ['p', 'm', 'v'][k]);
    });
  }
});
