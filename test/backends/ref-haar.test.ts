import { describe, expect, it } from 'vitest';
import { haar2d, ihaar2d } from '../../src/backends/ref/haar.js';
import {
  apply, dot, expectClose, expectRelClose, GOLDEN_ATOL, GOLDEN_RTOL, goldenAvailable, numel, randomData, readGolden,
  rng, tensor, useTensorCleanup,
} from './ref-helpers.js';

useTensorCleanup();

const bandsShape = (x: readonly number[]) => [...x.slice(0, -2), 4, x[x.length - 2] / 2, x[x.length - 1] / 2];

describe('haar2d (ref), hand-computed', () => {
  it('one 2x2 block: LL, (low W, high H), (high W, low H), HH', () => {
    const [a, b, c, d] = [1, 2, 3, 4];
    const out = apply(haar2d, [tensor([2, 2], [a, b, c, d])], [4, 1, 1], {});
    expectClose(out, [(a + b + c + d) / 2, (a + b - c - d) / 2, (a - b + c - d) / 2, (a - b - c + d) / 2], 1e-15, 0);
  });

  it('matches the closed form block by block, across leading dims', () => {
    const shape = [2, 3, 6, 8];
    const xs = randomData(numel(shape), rng(2));
    const out = apply(haar2d, [tensor(shape, xs)], bandsShape(shape), {});
    const expected = new Float64Array(out.length);
    for (let p = 0; p < 6; p++) {
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 4; j++) {
          const at = (r: number, s: number) => xs[p * 48 + (2 * i + r) * 8 + 2 * j + s];
          const [a, b, c, d] = [at(0, 0), at(0, 1), at(1, 0), at(1, 1)];
          const o = p * 48 + i * 4 + j;
          expected[o] = (a + b + c + d) / 2;
          expected[o + 12] = (a + b - c - d) / 2;
          expected[o + 24] = (a - b + c - d) / 2;
          expected[o + 36] = (a - b - c + d) / 2;
        }
      }
    }
    expectClose(out, expected, 1e-14, 0);
  });

  it('rejects odd sizes', () => {
    expect(() => haar2d([tensor([3, 4], new Float64Array(12))], [tensor([4, 1, 2], new Float64Array(8))], {})).toThrow(/even/);
  });
});

describe('haar2d / ihaar2d (ref), identities', () => {
  const shapes = [[2, 2], [1, 3, 4, 6], [2, 10, 2]];
  for (const shape of shapes) {
    const ys = bandsShape(shape);

    it(`round trips both ways: [${shape.join(', ')}]`, () => {
      const r = rng(4);
      const xs = randomData(numel(shape), r), bs = randomData(numel(ys), r);
      const back = apply(ihaar2d, [tensor(ys, apply(haar2d, [tensor(shape, xs)], ys, {}))], shape, {});
      expectClose(back, xs, 1e-15, 1e-15, 'ihaar(haar(x))');
      const again = apply(haar2d, [tensor(shape, apply(ihaar2d, [tensor(ys, bs)], shape, {}))], ys, {});
      expectClose(again, bs, 1e-15, 1e-15, 'haar(ihaar(y))');
    });

    it(`ihaar2d is the adjoint of haar2d: [${shape.join(', ')}]`, () => {
      const r = rng(6);
      const xs = randomData(numel(shape), r), bs = randomData(numel(ys), r);
      const hx = apply(haar2d, [tensor(shape, xs)], ys, {});
      const ib = apply(ihaar2d, [tensor(ys, bs)], shape, {});
      expectRelClose(dot(hx, bs), dot(xs, ib), 1e-12);
    });

    it(`float32 storage round trips to within band rounding: [${shape.join(', ')}]`, () => {
      const xs = randomData(numel(shape), rng(8)).map(Math.fround);
      const hx = apply(haar2d, [tensor(shape, xs, 'float32')], ys, {});
      const back = apply(ihaar2d, [tensor(ys, hx, 'float32')], shape, {});
      // Storing the bands rounds them relative to their own magnitude (|x| < 1 here), not to x's.
      expectClose(back, xs, 4 * 2 ** -24, 0);
    });
  }
});

/** Stacks pytorch_wavelets' yl [..., h, w] and yh [..., 3, h, w] into [..., 4, h, w]. */
function stackBands(yl: Float64Array, yh: Float64Array, band: number): Float64Array {
  const planes = yl.length / band;
  const out = new Float64Array(4 * yl.length);
  for (let p = 0; p < planes; p++) {
    out.set(yl.subarray(p * band, (p + 1) * band), 4 * p * band);
    out.set(yh.subarray(3 * p * band, 3 * (p + 1) * band), (4 * p + 1) * band);
  }
  return out;
}

describe.skipIf(!goldenAvailable)('haar2d / ihaar2d (ref), PyTorch golden vectors', () => {
  it('haar_dwt_j1', () => {
    const gc = readGolden('haar_dwt_j1.safetensors');
    expect(gc.args).toMatchObject({ J: 1, wave: 'haar' });
    const x = gc.get('input');
    const yl = gc.get('output.yl');
    const band = numel(yl.shape.slice(-2));
    const ys = bandsShape(x.shape);
    const out = apply(haar2d, [tensor(x.shape, x.data, 'float32')], ys, {});
    expectClose(out, stackBands(yl.data, gc.get('output.yh').data, band), GOLDEN_ATOL, GOLDEN_RTOL, 'output');
    const g = stackBands(gc.get('grad_output.yl').data, gc.get('grad_output.yh').data, band);
    const gx = apply(ihaar2d, [tensor(ys, g, 'float32')], x.shape, {});
    expectClose(gx, gc.get('grad.input').data, GOLDEN_ATOL, GOLDEN_RTOL, 'grad.input');
  });

  it('haar_idwt_j1', () => {
    const gc = readGolden('haar_idwt_j1.safetensors');
    const yl = gc.get('input.yl');
    const band = numel(yl.shape.slice(-2));
    const out = gc.get('output');
    const ys = bandsShape(out.shape);
    const y = stackBands(yl.data, gc.get('input.yh').data, band);
    expectClose(apply(ihaar2d, [tensor(ys, y, 'float32')], out.shape, {}), out.data, GOLDEN_ATOL, GOLDEN_RTOL, 'output');
    const g = gc.get('grad_output');
    const gy = apply(haar2d, [tensor(g.shape, g.data, 'float32')], ys, {});
    const expected = stackBands(gc.get('grad.yl').data, gc.get('grad.yh').data, band);
    expectClose(gy, expected, GOLDEN_ATOL, GOLDEN_RTOL, 'grad');
  });
});
