import { describe, expect, it } from 'vitest';
import { avgPool2d, avgPool2dGrad, maxPool2d, maxPool2dGrad } from '../../src/backends/ref/pool.js';
import { poolOutSize } from '../../src/backends/shapes.js';
import {
  apply, dot, expectClose, expectRelClose, GOLDEN_ATOL, GOLDEN_RTOL, goldenAvailable, numel, pair, randomData,
  readGolden, rng, tensor, useTensorCleanup,
} from './ref-helpers.js';

useTensorCleanup();

type P = readonly [number, number];
const pool = (kernel: P, stride: P, padding: P) => ({ kernel, stride, padding });
const k2 = pool([2, 2], [2, 2], [0, 0]);

describe('maxPool2d (ref), hand-computed', () => {
  const x = [1, 5, 2, 0, 3, 4, 8, 1, 0, 9, 7, 6]; // [[1,5,2,0],[3,4,8,1],[0,9,7,6]]

  it('floor output size drops the odd last row', () => {
    expect([...apply(maxPool2d, [tensor([1, 1, 3, 4], x)], [1, 1, 1, 2], k2)]).toEqual([5, 8]);
  });

  it('kernel 3, stride 2, padding 1', () => {
    const a = pool([3, 3], [2, 2], [1, 1]);
    expect([...apply(maxPool2d, [tensor([1, 1, 3, 4], x)], [1, 1, 2, 2], a)]).toEqual([5, 8, 9, 9]);
  });

  it('padding is -Infinity, not zero', () => {
    const a = pool([3, 3], [2, 2], [1, 1]);
    const out = apply(maxPool2d, [tensor([1, 1, 3, 4], x.map((v) => -v - 1))], [1, 1, 2, 2], a);
    expect([...out]).toEqual([-2, -1, -1, -2]);
  });

  it('a NaN wins its window, as in PyTorch', () => {
    const t = tensor([1, 1, 2, 2], [1, NaN, 3, 2]);
    const out = tensor([1, 1, 1, 1], [0]);
    maxPool2d([t], [out], k2);
    expect(out.buf.data[0]).toBeNaN();
  });

  it('ties send the gradient to the first maximum in row-major order', () => {
    const gx = apply(maxPool2dGrad, [tensor([1, 1, 2, 2], [1, 1, 0, 1]), tensor([1, 1, 1, 1], [7])], [1, 1, 2, 2], k2);
    expect([...gx]).toEqual([7, 0, 0, 0]);
    const gy = apply(maxPool2dGrad, [tensor([1, 1, 2, 2], [2, 3, 3, 1]), tensor([1, 1, 1, 1], [7])], [1, 1, 2, 2], k2);
    expect([...gy]).toEqual([0, 7, 0, 0]);
  });

  it('overlapping windows accumulate on a shared maximum', () => {
    const a = pool([2, 2], [1, 1], [0, 0]);
    const gx = apply(maxPool2dGrad, [tensor([1, 1, 2, 3], [0, 5, 0, 0, 0, 0]), tensor([1, 1, 1, 2], [2, 3])], [1, 1, 2, 3], a);
    expect([...gx]).toEqual([0, 5, 0, 0, 0, 0]);
  });
});

describe('avgPool2d (ref), hand-computed', () => {
  const x = [1, 2, 3, 4, 5, 6]; // [[1,2,3],[4,5,6]]
  const a = pool([2, 2], [1, 1], [1, 1]);

  it('count_include_pad divides by the full window at the border', () => {
    const out = apply(avgPool2d, [tensor([1, 1, 2, 3], x)], [1, 1, 3, 4], { ...a, countIncludePad: true });
    expect([...out]).toEqual([1, 3, 5, 3, 5, 12, 16, 9, 4, 9, 11, 6].map((v) => v / 4));
  });

  it('without count_include_pad divides by the in-bounds count', () => {
    const out = apply(avgPool2d, [tensor([1, 1, 2, 3], x)], [1, 1, 3, 4], { ...a, countIncludePad: false });
    expect([...out]).toEqual([1, 1.5, 2.5, 3, 2.5, 3, 4, 4.5, 4, 4.5, 5.5, 6]);
  });

  it('7x7 window, padding 3: divisor 49 everywhere with count_include_pad', () => {
    const a7 = pool([7, 7], [1, 1], [3, 3]);
    const ones = tensor([1, 1, 5, 5], new Float64Array(25).fill(1));
    const incl = apply(avgPool2d, [ones], [1, 1, 5, 5], { ...a7, countIncludePad: true });
    expect(incl[0]).toBe(16 / 49); // corner: 4x4 inputs in bounds
    expect(incl[12]).toBe(25 / 49); // centre: the whole 5x5 input
    const excl = apply(avgPool2d, [ones], [1, 1, 5, 5], { ...a7, countIncludePad: false });
    expect([...excl]).toEqual(new Array(25).fill(1));
  });
});

const configs: { name: string; x: readonly number[]; a: ReturnType<typeof pool> }[] = [
  { name: 'k2 s2 odd', x: [2, 3, 7, 9], a: k2 },
  { name: 'k3 s2 p1 odd', x: [1, 2, 9, 7], a: pool([3, 3], [2, 2], [1, 1]) },
  { name: 'k3 s1 p1', x: [2, 2, 5, 6], a: pool([3, 3], [1, 1], [1, 1]) },
  { name: 'k7 s1 p3', x: [1, 2, 10, 9], a: pool([7, 7], [1, 1], [3, 3]) },
  { name: 'k(3,2) s(1,2) p(1,0), 3-d input', x: [3, 6, 7], a: pool([3, 2], [1, 2], [1, 0]) },
];

function pooledShape(x: readonly number[], a: ReturnType<typeof pool>): number[] {
  const [H, W] = x.slice(-2);
  return [...x.slice(0, -2), poolOutSize(H, a.kernel[0], a.stride[0], a.padding[0]), poolOutSize(W, a.kernel[1], a.stride[1], a.padding[1])];
}

describe('pooling (ref), identities', () => {
  for (const c of configs) {
    for (const countIncludePad of [true, false]) {
      it(`avgPool2dGrad is the adjoint of avgPool2d: ${c.name}, countIncludePad ${countIncludePad}`, () => {
        const r = rng(3);
        const ys = pooledShape(c.x, c.a);
        const xs = randomData(numel(c.x), r), gs = randomData(numel(ys), r);
        const attrs = { ...c.a, countIncludePad };
        const y = apply(avgPool2d, [tensor(c.x, xs)], ys, attrs);
        const gx = apply(avgPool2dGrad, [tensor(ys, gs)], c.x, { ...attrs, inputShape: c.x });
        expectRelClose(dot(y, gs), dot(xs, gx), 1e-12);
      });
    }

    it(`maxPool2dGrad matches finite differences of sum(maxPool2d(x) * g): ${c.name}`, () => {
      const r = rng(5);
      const ys = pooledShape(c.x, c.a);
      const xs = randomData(numel(c.x), r), gs = randomData(numel(ys), r);
      const loss = (v: Float64Array) => dot(apply(maxPool2d, [tensor(c.x, v)], ys, c.a), gs);
      const gx = apply(maxPool2dGrad, [tensor(c.x, xs), tensor(ys, gs)], c.x, c.a);
      // The loss is piecewise linear and random data has no ties, so a small step stays on one piece.
      const h = 1e-6;
      const fd = xs.map((_, i) => {
        const plus = xs.slice(), minus = xs.slice();
        plus[i] += h;
        minus[i] -= h;
        return (loss(plus) - loss(minus)) / (2 * h);
      });
      expectClose(gx, fd, 1e-8, 1e-8, 'grad');
    });
  }
});

describe.skipIf(!goldenAvailable)('pooling (ref), PyTorch golden vectors', () => {
  const read = (file: string) => {
    const gc = readGolden(`${file}.safetensors`);
    expect(gc.args.ceil_mode).toBe(false);
    const kernel = pair(gc.args.kernel_size);
    const a = pool(kernel, pair(gc.args.stride ?? kernel), pair(gc.args.padding ?? 0));
    const f32 = (name: string) => tensor(gc.get(name).shape, gc.get(name).data, 'float32');
    return { gc, a, f32 };
  };

  for (const file of ['max_pool2d_k2_ties', 'max_pool2d_k2', 'max_pool2d_k2_odd']) {
    it(file, () => {
      const { gc, a, f32 } = read(file);
      const x = gc.get('input');
      expectClose(apply(maxPool2d, [f32('input')], gc.get('output').shape, a), gc.get('output').data, 0, 0, 'output');
      const gx = apply(maxPool2dGrad, [f32('input'), f32('grad_output')], x.shape, a);
      expectClose(gx, gc.get('grad.input').data, GOLDEN_ATOL, GOLDEN_RTOL, 'grad.input');
    });
  }

  it('avg_pool2d_k7_s1_p3', () => {
    const { gc, a, f32 } = read('avg_pool2d_k7_s1_p3');
    expect(gc.args.divisor_override).toBeNull();
    const attrs = { ...a, countIncludePad: gc.args.count_include_pad as boolean };
    const x = gc.get('input');
    expectClose(apply(avgPool2d, [f32('input')], gc.get('output').shape, attrs), gc.get('output').data, GOLDEN_ATOL, GOLDEN_RTOL, 'output');
    const gx = apply(avgPool2dGrad, [f32('grad_output')], x.shape, { ...attrs, inputShape: x.shape });
    expectClose(gx, gc.get('grad.input').data, GOLDEN_ATOL, GOLDEN_RTOL, 'grad.input');
  });
});
