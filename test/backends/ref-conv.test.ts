import { describe, expect, it } from 'vitest';
import { conv2d, conv2dGradInput, conv2dGradWeight } from '../../src/backends/ref/conv.js';
import { convOutSize } from '../../src/backends/shapes.js';
import type { DType } from '../../src/backends/types.js';
import {
  apply, dot, expectClose, expectRelClose, GOLDEN_ATOL, GOLDEN_RTOL, goldenAvailable, numel, pair, randomData,
  readGolden, rng, tensor, useTensorCleanup,
} from './ref-helpers.js';

useTensorCleanup();

type P = readonly [number, number];
const attrsOf = (stride: P, padding: P) => ({ stride, padding });

describe('conv2d (ref), hand-computed', () => {
  // x = [[1,2,3],[4,5,6]], w = [[1,2],[3,4]], stride 2, padding 1: each output sees one or two
  // input pixels through the kernel's far corner.
  const x = [1, 2, 3, 4, 5, 6];
  const w = [1, 2, 3, 4];
  const a = attrsOf([2, 2], [1, 1]);

  it('forward with padding, stride 2 and bias', () => {
    const out = apply(conv2d, [tensor([1, 1, 2, 3], x), tensor([1, 1, 2, 2], w), tensor([1], [0.5])], [1, 1, 2, 2], a);
    expect([...out]).toEqual([4.5, 18.5, 8.5, 17.5]);
  });

  it('gradients of the same case with an all-ones upstream gradient', () => {
    const g = tensor([1, 1, 2, 2], [1, 1, 1, 1]);
    const gx = apply(conv2dGradInput, [g, tensor([1, 1, 2, 2], w)], [1, 1, 2, 3], { ...a, inputShape: [1, 1, 2, 3] });
    expect([...gx]).toEqual([4, 3, 4, 2, 1, 2]);
    const gw = apply(conv2dGradWeight, [tensor([1, 1, 2, 3], x), g], [1, 1, 2, 2], { ...a, kernelSize: [2, 2] });
    expect([...gw]).toEqual([5, 10, 2, 4]);
  });

  it('1x1 mixes channels only', () => {
    const c0 = [1, 2, 3, 4, 5, 6];
    const c1 = [10, 20, 30, 40, 50, 60];
    const out = apply(conv2d, [tensor([1, 2, 2, 3], [...c0, ...c1]), tensor([2, 2, 1, 1], [1, 2, 3, -1])], [1, 2, 2, 3], attrsOf([1, 1], [0, 0]));
    expect([...out]).toEqual([...c0.map((v, i) => v + 2 * c1[i]), ...c0.map((v, i) => 3 * v - c1[i])]);
  });

  it('the 1x1 fast path agrees bitwise with a padded 3x3 kernel holding the same centre', () => {
    const r = rng(7);
    const xs = randomData(2 * 3 * 5 * 4, r);
    const w1 = randomData(4 * 3, r);
    const w3 = new Float64Array(4 * 3 * 9);
    w1.forEach((v, i) => (w3[i * 9 + 4] = v));
    const xt = tensor([2, 3, 5, 4], xs);
    const fast = apply(conv2d, [xt, tensor([4, 3, 1, 1], w1)], [2, 4, 5, 4], attrsOf([1, 1], [0, 0]));
    const general = apply(conv2d, [xt, tensor([4, 3, 3, 3], w3)], [2, 4, 5, 4], attrsOf([1, 1], [1, 1]));
    expect([...fast]).toEqual([...general]);
  });

  it('rejects an output of the wrong shape', () => {
    const xt = tensor([1, 1, 2, 3], x);
    const bad = tensor([1, 1, 2, 3], x);
    expect(() => conv2d([xt, tensor([1, 1, 2, 2], w)], [bad], a)).toThrow(/conv2d output/);
  });
});

interface Config {
  name: string;
  x: readonly [number, number, number, number];
  w: readonly [number, number, number, number];
  stride: P;
  padding: P;
}
const configs: Config[] = [
  { name: '3x3 s1 p1', x: [2, 3, 7, 6], w: [4, 3, 3, 3], stride: [1, 1], padding: [1, 1] },
  { name: '3x3 s2 p1 odd', x: [1, 2, 9, 7], w: [3, 2, 3, 3], stride: [2, 2], padding: [1, 1] },
  { name: '1x1', x: [2, 3, 5, 5], w: [2, 3, 1, 1], stride: [1, 1], padding: [0, 0] },
  { name: '1x1 s2', x: [1, 2, 5, 6], w: [2, 2, 1, 1], stride: [2, 2], padding: [0, 0] },
  { name: '5x3 s(2,3) p(2,0)', x: [1, 2, 8, 10], w: [3, 2, 5, 3], stride: [2, 3], padding: [2, 0] },
  { name: 'kernel = input', x: [2, 1, 4, 4], w: [2, 1, 4, 4], stride: [1, 1], padding: [0, 0] },
  { name: '2x1 s(1,2) p(0,1)', x: [1, 3, 4, 5], w: [2, 3, 2, 1], stride: [1, 2], padding: [0, 1] },
];

function outShape(c: Config): [number, number, number, number] {
  return [
    c.x[0], c.w[0],
    convOutSize(c.x[2], c.w[2], c.stride[0], c.padding[0]),
    convOutSize(c.x[3], c.w[3], c.stride[1], c.padding[1]),
  ];
}

/** All three kernels on the same random data (float32-representable, so both dtypes see equal inputs). */
function runAll(c: Config, dtype: DType, seed: number) {
  const r = rng(seed);
  const ys = outShape(c);
  const [xr, wr, gr] = [c.x, c.w, ys].map((s) => randomData(numel(s), r).map(Math.fround));
  const a = attrsOf(c.stride, c.padding);
  const y = apply(conv2d, [tensor(c.x, xr, dtype), tensor(c.w, wr, dtype)], ys, a);
  const gx = apply(conv2dGradInput, [tensor(ys, gr, dtype), tensor(c.w, wr, dtype)], c.x, { ...a, inputShape: c.x });
  const gw = apply(conv2dGradWeight, [tensor(c.x, xr, dtype), tensor(ys, gr, dtype)], c.w, { ...a, kernelSize: [c.w[2], c.w[3]] });
  return { xs: xr, ws: wr, gs: gr, y, gx, gw };
}

describe('conv2d (ref), identities', () => {
  for (const c of configs) {
    it(`adjoints agree in float64: ${c.name}`, () => {
      const { xs, ws, gs, y, gx, gw } = runAll(c, 'float64', 11);
      const lhs = dot(y, gs);
      expectRelClose(lhs, dot(xs, gx), 1e-12, 'x side');
      expectRelClose(lhs, dot(ws, gw), 1e-12, 'w side');
    });

    it(`float32 storage rounds the float64 result: ${c.name}`, () => {
      // Same (float32-representable) inputs, double accumulation in both: only the store differs.
      const f32 = runAll(c, 'float32', 23);
      const f64 = runAll(c, 'float64', 23);
      expect([...f32.y]).toEqual([...f64.y.map(Math.fround)]);
      expect([...f32.gx]).toEqual([...f64.gx.map(Math.fround)]);
      expect([...f32.gw]).toEqual([...f64.gw.map(Math.fround)]);
    });
  }
});

const goldenFiles = [
  'conv2d_3x3_s2_p1_bias', 'conv2d_3x3_s2_p1_nobias', 'conv2d_3x3_p1_bias', 'conv2d_3x3_p1_nobias',
  'conv2d_1x1_bias', 'conv2d_1x1_nobias',
];

describe.skipIf(!goldenAvailable)('conv2d (ref), PyTorch golden vectors', () => {
  for (const file of goldenFiles) {
    it(file, () => {
      const gc = readGolden(`${file}.safetensors`);
      const a = attrsOf(pair(gc.args.stride), pair(gc.args.padding));
      expect(gc.args.dilation ?? 1).toBe(1);
      expect(gc.args.groups ?? 1).toBe(1);
      const x = gc.get('input'), w = gc.get('weight'), g = gc.get('grad_output');
      const f32 = (t: { shape: number[]; data: Float64Array }) => tensor(t.shape, t.data, 'float32');
      const inputs = [f32(x), f32(w)];
      if (gc.args.bias) inputs.push(f32(gc.get('bias')));
      const y = apply(conv2d, inputs, gc.get('output').shape, a);
      expectClose(y, gc.get('output').data, GOLDEN_ATOL, GOLDEN_RTOL, 'output');
      const gx = apply(conv2dGradInput, [f32(g), f32(w)], x.shape, { ...a, inputShape: x.shape });
      expectClose(gx, gc.get('grad.input').data, GOLDEN_ATOL, GOLDEN_RTOL, 'grad.input');
      const gw = apply(conv2dGradWeight, [f32(x), f32(g)], w.shape, { ...a, kernelSize: [w.shape[2], w.shape[3]] });
      expectClose(gw, gc.get('grad.weight').data, GOLDEN_ATOL, GOLDEN_RTOL, 'grad.weight');
    });
  }
});
