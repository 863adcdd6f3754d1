import { describe, expect, it } from 'vitest';
import { resizeBilinear, resizeBilinearGrad } from '../../src/backends/ref/resize.js';
import {
  apply, dot, expectClose, expectRelClose, GOLDEN_ATOL, GOLDEN_RTOL, goldenAvailable, numel, randomData, readGolden,
  rng, tensor, useTensorCleanup,
} from './ref-helpers.js';

useTensorCleanup();

type Ratio = readonly [number | null, number | null];
const resize = (size: readonly [number, number], alignCorners: boolean, ratio: Ratio = [null, null]) => ({ size, alignCorners, ratio });
const ramp = (n: number) => Float64Array.from({ length: n }, (_, i) => i);

describe('resizeBilinear (ref), hand-computed', () => {
  const x = [0, 1, 2, 3]; // [[0,1],[2,3]] = 2*row + col, so every output is 2*srcRow + srcCol

  it('align_corners=true maps corners to corners', () => {
    const out = apply(resizeBilinear, [tensor([1, 1, 2, 2], x)], [1, 1, 3, 3], resize([3, 3], true));
    expect([...out]).toEqual([0, 0.5, 1, 1, 1.5, 2, 2, 2.5, 3]);
  });

  it('align_corners=false uses half-pixel centres, clamped at both edges', () => {
    const out = apply(resizeBilinear, [tensor([1, 1, 2, 2], x)], [1, 1, 4, 4], resize([4, 4], false));
    // Source coordinates per axis: 0 (clamped from -0.25), 0.25, 0.75, 1 (1.25 with both taps on 1).
    const src = [0, 0.25, 0.75, 1];
    expect([...out]).toEqual(src.flatMap((r) => src.map((c) => 2 * r + c)));
  });

  it('a given ratio replaces in/out: in 13, scale 0.5, out 6', () => {
    const x13 = tensor([1, 1, 1, 13], ramp(13));
    const given = apply(resizeBilinear, [x13], [1, 1, 1, 6], resize([1, 6], false, [null, 2]));
    expect([...given]).toEqual([0.5, 2.5, 4.5, 6.5, 8.5, 10.5]);
    const derived = apply(resizeBilinear, [x13], [1, 1, 1, 6], resize([1, 6], false));
    expectClose(derived, [0, 1, 2, 3, 4, 5].map((d) => (13 / 6) * (d + 0.5) - 0.5), 1e-14, 0);
  });

  it('align_corners=true ignores a given ratio', () => {
    const x5 = tensor([1, 5], ramp(5));
    const out = apply(resizeBilinear, [x5], [1, 9], resize([1, 9], true, [null, 0.25]));
    expect([...out]).toEqual([0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4]);
  });

  it('align_corners=true with a single output takes the first sample', () => {
    const out = apply(resizeBilinear, [tensor([3, 3], ramp(9))], [1, 1], resize([1, 1], true));
    expect([...out]).toEqual([0]);
  });

  it('upsampling by 2 repeats the last sample past the edge', () => {
    const out = apply(resizeBilinear, [tensor([1, 3], ramp(3))], [1, 6], resize([1, 6], false, [1, 0.5]));
    expect([...out]).toEqual([0, 0.25, 0.75, 1.25, 1.75, 2]);
  });

  it('leading dims are independent planes', () => {
    const r = rng(1);
    const xs = randomData(2 * 3 * 4 * 5, r);
    const all = apply(resizeBilinear, [tensor([2, 3, 4, 5], xs)], [2, 3, 7, 3], resize([7, 3], false));
    const plane = apply(resizeBilinear, [tensor([4, 5], xs.subarray(4 * 20, 5 * 20))], [7, 3], resize([7, 3], false));
    expect([...all.subarray(4 * 21, 5 * 21)]).toEqual([...plane]);
  });

  it('rejects an output that disagrees with attrs.size', () => {
    expect(() => resizeBilinear([tensor([1, 1, 2, 2], x)], [tensor([1, 1, 3, 4], ramp(12))], resize([3, 3], true))).toThrow();
  });
});

const configs: { name: string; x: readonly number[]; size: [number, number]; ratio?: Ratio }[] = [
  { name: 'up x2', x: [2, 3, 5, 4], size: [10, 8] },
  { name: 'up, odd', x: [1, 2, 5, 7], size: [13, 9] },
  { name: 'down 0.5, odd, ratio given', x: [1, 2, 13, 11], size: [6, 5], ratio: [2, 2] },
  { name: 'down 0.25, odd, ratio given', x: [3, 30, 18], size: [7, 4], ratio: [4, 4] },
  { name: 'down, odd, ratio from sizes', x: [2, 9, 7], size: [4, 3] },
  { name: 'mixed up/down', x: [1, 1, 4, 9], size: [11, 2] },
  { name: 'to 1x1', x: [1, 1, 3, 5], size: [1, 1] },
];

describe('resizeBilinear (ref), identities', () => {
  for (const c of configs) {
    for (const alignCorners of [true, false]) {
      it(`resizeBilinearGrad is the adjoint: ${c.name}, alignCorners ${alignCorners}`, () => {
        const r = rng(9);
        const ys = [...c.x.slice(0, -2), ...c.size];
        const xs = randomData(numel(c.x), r), gs = randomData(numel(ys), r);
        const a = resize(c.size, alignCorners, c.ratio);
        const y = apply(resizeBilinear, [tensor(c.x, xs)], ys, a);
        const gx = apply(resizeBilinearGrad, [tensor(ys, gs)], c.x, { ...a, inputSize: c.x.slice(-2) });
        expectRelClose(dot(y, gs), dot(xs, gx), 1e-12);
      });
    }
  }
});

const goldenFiles = [
  'interp_bilinear_0p5_odd', 'interp_bilinear_0p5', 'interp_bilinear_0p25', 'interp_bilinear_0p25_odd',
  'interp_bilinear_x2_ac', 'interp_bilinear_x2_ac_1',
];

describe.skipIf(!goldenAvailable)('resizeBilinear (ref), PyTorch golden vectors', () => {
  for (const file of goldenFiles) {
    it(file, () => {
      const gc = readGolden(`${file}.safetensors`);
      expect(gc.args.mode).toBe('bilinear');
      expect(gc.args.antialias).toBe(false);
      expect(gc.args.recompute_scale_factor ?? null).toBeNull();
      const sf = gc.args.scale_factor as number;
      const alignCorners = gc.args.align_corners as boolean;
      const x = gc.get('input');
      const [H, W] = x.shape.slice(-2);
      // PyTorch: out = floor(in * scale); with align_corners=false the coordinates use 1/scale.
      const size: [number, number] = [Math.floor(H * sf), Math.floor(W * sf)];
      const a = resize(size, alignCorners, alignCorners ? [null, null] : [1 / sf, 1 / sf]);
      const out = gc.get('output');
      expect(out.shape).toEqual([...x.shape.slice(0, -2), ...size]);
      const y = apply(resizeBilinear, [tensor(x.shape, x.data, 'float32')], out.shape, a);
      expectClose(y, out.data, GOLDEN_ATOL, GOLDEN_RTOL, 'output');
      const g = gc.get('grad_output');
      const gx = apply(resizeBilinearGrad, [tensor(g.shape, g.data, 'float32')], x.shape, { ...a, inputSize: [H, W] });
      expectClose(gx, gc.get('grad.input').data, GOLDEN_ATOL, GOLDEN_RTOL, 'grad.input');
    });
  }
});
