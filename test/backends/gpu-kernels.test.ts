// Every gpu kernel against the reference kernel on seeded random inputs, on a software GPU
// (SwiftShader through Dawn's WebGPU for Node), each under its entry in the backend's
// tolerance table (src/backends/gpu/tolerance.ts), and every kernel on GPU.js's WebGPUKernel.
// Shapes include non-square planes, batches, broadcasting, stride 2, odd sizes and reductions
// long enough to take several passes. Kept small: the software GPU compiles every kernel.

import { beforeAll, describe, expect, it } from 'vitest';
import { kernelNames } from '../../src/backends/registry.js';
import { resizeTaps } from '../../src/backends/resize-taps.js';
import { convOutSize, poolOutSize } from '../../src/backends/shapes.js';
import type { GpuBackend } from '../../src/backends/gpu/index.js';
import { adamAllowances, GPU_TOLERANCE } from '../../src/backends/gpu/tolerance.js';
import type { Attrs, Shape } from '../../src/backends/types.js';
import { getOp, Rng } from '../../src/tensor/index.js';
import { abs, busiestTaps, type CheckOpts, expectMatchesRef, expectWithin, gpuSkipReason, randomInput, runBoth, runOn, setupGpu } from './gpu-support.js';

const reason = gpuSkipReason();
let be: GpuBackend;

/** Runs op on the gpu and checks it against ref under the op's tolerance. */
async function check(op: string, inputs: Float32Array[], shapes: Shape[], attrs: Attrs, opts: CheckOpts = {}): Promise<void> {
  const [gpu] = await runOn('gpu', op, inputs, shapes, attrs);
  expect(be.rt.kernelClass).toBe('WebGPUKernel');
  await expectMatchesRef(op, inputs, shapes, attrs, gpu, opts);
}

/** Values on a grid of quarters: ties for max/min and comparisons. */
function quantized(rng: Rng, shape: Shape): Float32Array {
  return randomInput(rng, shape, -2, 2).map((v) => Math.round(v * 4) / 4);
}

describe.skipIf(reason)(`gpu kernels vs ref on a software GPU${reason ? ` (skipped: ${reason})` : ''}`, () => {
  beforeAll(async () => {
    be = await setupGpu();
  });

  it('registers a kernel for every op the reference backend has, and a tolerance for each', () => {
    // a decomposable fast path ('dct') runs as other ops where a backend has no kernel for it
    const ref = kernelNames('ref').filter((op) => !getOp(op).decomposition).sort();
    expect(kernelNames('gpu').sort()).toEqual(ref);
    expect(Object.keys(GPU_TOLERANCE).sort()).toEqual(ref);
    expect(be.describe()).toMatch(/^webgpu \(GPU\.js WebGPUKernel/);
  });

  it('uploads, fills and elementwise maps compile once for every size', async () => {
    const round = async (n: number) => {
      await runOn('gpu', 'relu', [new Float32Array(n).fill(-1)], [[n]], {});
      await runOn('gpu', 'affine', [new Float32Array(n).fill(2)], [[n]], { scale: 3, shift: 1 });
      await runOn('gpu', 'mul', [new Float32Array(n).fill(2), new Float32Array(n).fill(3)], [[n], [n]], {});
      const [y] = await runOn('gpu', 'pad', [new Float32Array(0)], [[0]], { pads: [[n, 0]], value: 1.5 });
      expect(y).toEqual(new Float32Array(n).fill(1.5));
    };
    await round(5);
    const compiled = be.rt.compiled;
    for (const n of [17, 1000, 3, 70001]) await round(n);
    expect(be.rt.compiled).toBe(compiled);
  });

  describe('unary', () => {
    const ranges: Record<string, [number, number]> = { exp: [-4, 4], log: [0.01, 8], sqrt: [0, 8], sin: [-40, 40], cos: [-40, 40], erf: [-5, 5] };
    for (const op of ['neg', 'exp', 'log', 'sqrt', 'abs', 'sign', 'relu', 'sin', 'cos', 'erf']) {
      it(op, async () => {
        const [lo, hi] = ranges[op] ?? [-3, 3];
        for (const shape of [[1], [3, 37], [2, 3, 64]]) {
          const x = randomInput(new Rng(3, shape.length), shape, lo, hi);
          if (lo <= 0 && x.length > 3) x[1] = 0; // sign(0), relu(0), sqrt(0)
          await check(op, [x], [shape], {});
        }
      });
    }
    it('sin and cos near multiples of pi/4 and up to |x| = 1000', async () => {
      const x = new Float32Array(400).map((_, i) => (i < 200 ? (i - 100) * (Math.PI / 4) : (i - 300) * 9.97));
      await check('sin', [x], [[400]], {});
      await check('cos', [x], [[400]], {});
    });
  });

  describe('binary, with broadcasting', () => {
    const pairs: [number[], number[]][] = [
      [[3, 37], [3, 37]],
      [[4, 1, 5], [3, 1]],
      [[2, 3, 4, 5], [5]],
      [[1], [6, 7]],
      [[6, 1], [1, 7]],
      [[], [4]],
      [[2, 1, 3, 1], [2, 5, 1, 4]],
      [[0, 3], [3]],
    ];
    for (const op of ['add', 'sub', 'mul', 'div', 'reluGrad']) {
      it(op, async () => {
        for (const [sa, sb] of pairs) {
          const rng = new Rng(5, sa.length * 10 + sb.length);
          const a = randomInput(rng, sa, -2, 2);
          // divisors away from 0, so the quotients stay finite
          const b = op === 'div' ? randomInput(rng, sb, 0.25, 2).map((v, i) => (i % 2 ? -v : v)) : randomInput(rng, sb, -2, 2);
          await check(op, [a, b], [sa, sb], {});
        }
      });
    }
    it('compare', async () => {
      for (const cmp of ['gt', 'ge', 'lt', 'le', 'eq']) {
        for (const [sa, sb] of pairs.slice(0, 5)) {
          const rng = new Rng(6, sa.length);
          await check('compare', [quantized(rng, sa), quantized(rng, sb)], [sa, sb], { cmp });
        }
      }
    });
  });

  describe('scalar attributes', () => {
    const shape = [5, 33];
    it('affine', async () => {
      const x = randomInput(new Rng(7), shape, -3, 3);
      for (const [scale, shift] of [[0.1, 0], [-3.7, 1e-3], [1, 0.5], [2e-5, -7]]) {
        await check('affine', [x], [shape], { scale, shift }, { n: 3, magnitudeFrom: { inputs: [abs(x)], attrs: { scale: Math.abs(scale), shift: Math.abs(shift) } } });
      }
    });
    it('compareScalar', async () => {
      const x = quantized(new Rng(8), shape);
      for (const cmp of ['gt', 'ge', 'lt', 'le', 'eq']) for (const value of [0, 0.25, -1.5]) await check('compareScalar', [x], [shape], { cmp, value });
    });
    it('clamp', async () => {
      const x = randomInput(new Rng(9), shape, -3, 3);
      for (const [min, max] of [[-1, 1], [null, 0.5], [0, null], [0.3, 0.3]]) await check('clamp', [x], [shape], { min, max });
    });
  });

  describe('reductions', () => {
    const cases: { shape: number[]; axes: number[]; keepDims?: boolean }[] = [
      { shape: [3, 4, 5], axes: [1] },
      { shape: [3, 4, 5], axes: [0, 2], keepDims: true }, // two runs of axes: copied to rows first
      { shape: [3, 4, 5], axes: [0, 1, 2] },
      { shape: [3, 4, 5], axes: [] },
      { shape: [2, 300], axes: [1] }, // two passes
      { shape: [600, 3], axes: [0] }, // strided rows, two passes
      { shape: [4, 70, 9], axes: [0, 2] },
      { shape: [70000], axes: [0] }, // three passes
      { shape: [2, 0, 3], axes: [1] }, // an empty axis sums to 0
    ];
    for (const c of cases) {
      const label = `[${c.shape}] axes [${c.axes}]`;
      const R = c.axes.reduce((p, a) => p * c.shape[a], 1);
      it(`sum ${label}`, async () => {
        const x = randomInput(new Rng(10, c.shape.length), c.shape);
        const attrs = { axes: c.axes, keepDims: !!c.keepDims };
        await check('sum', [x], [c.shape], attrs, { n: Math.max(R, 1), magnitudeFrom: { inputs: [abs(x)] } });
      });
      if (R === 0) continue;
      it(`max, min and their first-extremum masks ${label}`, async () => {
        const x = quantized(new Rng(11, c.shape.length), c.shape); // ties: the first extremum wins
        for (const kind of ['max', 'min']) {
          await check('extremum', [x], [c.shape], { axes: c.axes, keepDims: !!c.keepDims, kind });
          await check('extremumMask', [x], [c.shape], { axes: c.axes, kind });
        }
      });
    }
  });

  describe('movement', () => {
    it('permute', async () => {
      for (const [shape, perm] of [[[2, 3, 4, 5], [0, 2, 3, 1]], [[2, 3, 4, 5], [3, 1, 2, 0]], [[7, 5], [1, 0]], [[1, 6, 1, 4], [3, 0, 2, 1]]] as [number[], number[]][]) {
        await check('permute', [randomInput(new Rng(12), shape)], [shape], { perm });
      }
    });
    it('expand', async () => {
      for (const [from, to] of [[[3, 1, 5], [2, 3, 4, 5]], [[1], [9]], [[4, 1], [4, 6]], [[], [2, 3]]] as [number[], number[]][]) {
        await check('expand', [randomInput(new Rng(13), from)], [from], { shape: to });
      }
    });
    it('slice', async () => {
      const shape = [3, 7, 9];
      const x = randomInput(new Rng(14), shape);
      for (const [begin, end] of [[[0, 0, 0], [3, 7, 9]], [[1, 2, 3], [3, 5, 8]], [[0, 3, 0], [3, 4, 9]], [[2, 0, 4], [2, 7, 4]]]) await check('slice', [x], [shape], { begin, end });
    });
    it('split', async () => {
      const shape = [3, 7, 9];
      const x = randomInput(new Rng(16), shape);
      for (const [axis, sizes] of [[0, [1, 2]], [1, [3, 0, 4]], [2, [4, 4, 1]]] as [number, number[]][]) {
        const r = await runBoth('split', [x], [shape], { axis, sizes });
        expect(r.gpu.length).toBe(sizes.length);
        r.gpu.forEach((g, i) => expect([...g], `split axis ${axis} piece ${i}`).toEqual([...r.ref[i]]));
      }
    });
    it('pad', async () => {
      const shape = [2, 5, 6];
      const x = randomInput(new Rng(15), shape);
      for (const [pads, value] of [[[[0, 0], [1, 2], [3, 0]], 0], [[[1, 1], [0, 0], [0, 0]], -1.5], [[[0, 0], [0, 0], [0, 0]], 0]] as [[number, number][], number][]) {
        await check('pad', [x], [shape], { pads, value });
      }
      await check('pad', [new Float32Array(0)], [[0, 3]], { pads: [[1, 1], [0, 2]], value: 2 });
    });
    it('concat (several rounds past 3 inputs, empty parts skipped)', async () => {
      const rng = new Rng(16);
      for (const [shapes, axis] of [
        [[[2, 3, 4], [2, 5, 4]], 1],
        [[[1, 3], [4, 3], [2, 3]], 0],
        [[[2, 2, 1], [2, 2, 3], [2, 2, 0], [2, 2, 2], [2, 2, 5], [2, 2, 1]], 2],
        [[[3, 4]], 0],
      ] as [number[][], number][]) {
        await check('concat', shapes.map((s) => randomInput(rng, s)), shapes, { axis });
      }
    });
  });

  describe('matmul', () => {
    const cases: { a: number[]; b: number[]; transA?: boolean; transB?: boolean }[] = [
      { a: [1, 1], b: [1, 1] },
      { a: [3, 5], b: [5, 2] },
      { a: [37, 53], b: [53, 29] },
      { a: [53, 37], b: [53, 29], transA: true },
      { a: [37, 53], b: [29, 53], transB: true },
      { a: [53, 37], b: [29, 53], transA: true, transB: true },
      { a: [2, 3, 9, 7], b: [7, 5] },
      { a: [9, 7], b: [4, 7, 6] },
      { a: [2, 1, 5, 6], b: [1, 3, 6, 4] },
      { a: [3, 8, 0], b: [3, 0, 5] },
      { a: [1, 513], b: [513, 1] },
    ];
    for (const c of cases) {
      it(`[${c.a}]${c.transA ? 'ᵀ' : ''} @ [${c.b}]${c.transB ? 'ᵀ' : ''}`, async () => {
        const rng = new Rng(17, c.a.length * 100 + c.b[c.b.length - 1]);
        const K = c.transA ? c.a[c.a.length - 2] : c.a[c.a.length - 1];
        const a = randomInput(rng, c.a), b = randomInput(rng, c.b);
        await check('matmul', [a, b], [c.a, c.b], { transA: !!c.transA, transB: !!c.transB }, { n: Math.max(K, 1), magnitudeFrom: { inputs: [abs(a), abs(b)] } });
      });
    }
  });

  describe('conv2d and its gradients', () => {
    const cases: { n: number; c: number; h: number; w: number; o: number; k: [number, number]; stride: [number, number]; pad: [number, number]; bias?: boolean }[] = [
      { n: 2, c: 3, h: 9, w: 11, o: 5, k: [3, 3], stride: [1, 1], pad: [1, 1], bias: true },
      { n: 2, c: 5, h: 13, w: 10, o: 7, k: [3, 3], stride: [2, 2], pad: [1, 1], bias: true },
      { n: 1, c: 3, h: 8, w: 9, o: 4, k: [3, 3], stride: [2, 1], pad: [0, 2] },
      { n: 3, c: 6, h: 7, w: 9, o: 5, k: [1, 1], stride: [1, 1], pad: [0, 0], bias: true },
      { n: 1, c: 8, h: 10, w: 10, o: 3, k: [1, 1], stride: [2, 2], pad: [0, 0] },
      { n: 2, c: 2, h: 6, w: 7, o: 3, k: [2, 3], stride: [1, 2], pad: [1, 0] },
      { n: 1, c: 1, h: 1, w: 1, o: 1, k: [3, 3], stride: [1, 1], pad: [1, 1] },
      { n: 2, c: 4, h: 40, w: 36, o: 3, k: [3, 3], stride: [1, 1], pad: [1, 1] }, // weight gradient in row chunks
    ];
    for (const c of cases) {
      const label = `x [${c.n},${c.c},${c.h},${c.w}] w [${c.o},${c.c},${c.k}] stride ${c.stride} pad ${c.pad}${c.bias ? ' +bias' : ''}`;
      const ho = convOutSize(c.h, c.k[0], c.stride[0], c.pad[0]);
      const wo = convOutSize(c.w, c.k[1], c.stride[1], c.pad[1]);
      const xs = [c.n, c.c, c.h, c.w], ws = [c.o, c.c, ...c.k], gs = [c.n, c.o, ho, wo];
      const base = { stride: c.stride, padding: c.pad };
      it(label, async () => {
        const rng = new Rng(21, c.c * 31 + c.o);
        const x = randomInput(rng, xs), w = randomInput(rng, ws), g = randomInput(rng, gs), b = randomInput(rng, [c.o]);
        const fwdIn = c.bias ? [x, w, b] : [x, w];
        const fwdShapes = c.bias ? [xs, ws, [c.o]] : [xs, ws];
        await check('conv2d', fwdIn, fwdShapes, base, { n: c.c * c.k[0] * c.k[1] + 1, magnitudeFrom: { inputs: fwdIn.map(abs) } });
        await check('conv2dGradInput', [g, w], [gs, ws], { ...base, inputShape: xs }, { n: c.o * c.k[0] * c.k[1], magnitudeFrom: { inputs: [abs(g), abs(w)] } });
        await check('conv2dGradWeight', [x, g], [xs, gs], { ...base, kernelSize: c.k }, { n: c.n * ho * wo, magnitudeFrom: { inputs: [abs(x), abs(g)] } });
      });
    }
  });

  describe('pooling', () => {
    type P = [number, number];
    const cases: { shape: number[]; kernel: P; stride: P; padding: P }[] = [
      { shape: [2, 3, 8, 8], kernel: [2, 2], stride: [2, 2], padding: [0, 0] },
      { shape: [1, 2, 9, 7], kernel: [3, 3], stride: [2, 2], padding: [1, 1] },
      { shape: [1, 3, 5, 6], kernel: [3, 2], stride: [1, 2], padding: [1, 0] },
      { shape: [1, 3, 11, 10], kernel: [3, 3], stride: [1, 1], padding: [1, 1] },
    ];
    for (const c of cases) {
      it(`[${c.shape}] kernel ${c.kernel} stride ${c.stride} pad ${c.padding}`, async () => {
        const rng = new Rng(31, c.shape.length);
        const x = quantized(rng, c.shape); // ties: the first maximum wins
        const H = c.shape[c.shape.length - 2], W = c.shape[c.shape.length - 1];
        const pooled = [...c.shape.slice(0, -2), poolOutSize(H, c.kernel[0], c.stride[0], c.padding[0]), poolOutSize(W, c.kernel[1], c.stride[1], c.padding[1])];
        const g = randomInput(rng, pooled);
        const base = { kernel: c.kernel, stride: c.stride, padding: c.padding };
        const covering = Math.ceil(c.kernel[0] / c.stride[0]) * Math.ceil(c.kernel[1] / c.stride[1]);
        await check('maxPool2d', [x], [c.shape], base);
        await check('maxPool2dGrad', [x, g], [c.shape, pooled], base, { n: covering, magnitudeFrom: { inputs: [x, abs(g)] } });
        for (const countIncludePad of [false, true]) {
          const a = { ...base, countIncludePad };
          const xr = randomInput(rng, c.shape);
          await check('avgPool2d', [xr], [c.shape], a, { n: c.kernel[0] * c.kernel[1], magnitudeFrom: { inputs: [abs(xr)] } });
          await check('avgPool2dGrad', [g], [pooled], { ...a, inputShape: c.shape }, { n: 5 + covering, magnitudeFrom: { inputs: [abs(g)] } });
        }
      });
    }
  });

  describe('bilinear resize and its gradient', () => {
    const cases: { shape: number[]; size: [number, number]; ratio?: [number | null, number | null] }[] = [
      { shape: [2, 3, 5, 7], size: [20, 28] },
      { shape: [1, 2, 16, 16], size: [64, 64], ratio: [0.25, 0.25] },
      { shape: [3, 9, 6], size: [4, 3] },
      { shape: [1, 1, 1, 5], size: [3, 1] },
    ];
    for (const c of cases) {
      for (const alignCorners of [false, true]) {
        it(`[${c.shape}] -> ${c.size} alignCorners ${alignCorners}`, async () => {
          const rng = new Rng(32, c.size[0]);
          const x = randomInput(rng, c.shape);
          const out = [...c.shape.slice(0, -2), ...c.size];
          const attrs = { size: c.size, alignCorners, ratio: c.ratio ?? [null, null] };
          await check('resizeBilinear', [x], [c.shape], attrs, { n: 6, magnitudeFrom: { inputs: [abs(x)] } });
          const [H, W] = c.shape.slice(-2);
          const { rows, cols } = resizeTaps({ planes: 1, H, W, oh: c.size[0], ow: c.size[1] }, attrs);
          const taps = busiestTaps(rows, H) * busiestTaps(cols, W);
          const g = randomInput(rng, out);
          await check('resizeBilinearGrad', [g], [out], { ...attrs, inputSize: [H, W] }, { n: 5 + taps, magnitudeFrom: { inputs: [abs(g)] } });
        });
      }
    }
  });

  describe('Haar lifting', () => {
    for (const shape of [[2, 3, 8, 6], [4, 2], [5, 10, 14]]) {
      it(`[${shape}]`, async () => {
        const rng = new Rng(33, shape.length);
        const x = randomInput(rng, shape);
        const H = shape[shape.length - 2], W = shape[shape.length - 1], h = H / 2, w = W / 2;
        const planes = x.length / (H * W);
        // M per output: (|a| + |b| + |c| + |d|) / 2 of its 2x2 block
        const mag = new Float32Array(planes * 4 * h * w);
        for (let p = 0; p < planes; p++)
          for (let i = 0; i < h; i++)
            for (let j = 0; j < w; j++) {
              const t = p * H * W + 2 * i * W + 2 * j;
              const m = (Math.abs(x[t]) + Math.abs(x[t + 1]) + Math.abs(x[t + W]) + Math.abs(x[t + W + 1])) / 2;
              for (let band = 0; band < 4; band++) mag[((p * 4 + band) * h + i) * w + j] = m;
            }
        await check('haar2d', [x], [shape], {}, { n: 8, magnitude: mag });
        const bandsShape = [...shape.slice(0, -2), 4, h, w];
        const y = randomInput(rng, bandsShape);
        const inv = new Float32Array(planes * H * W);
        for (let p = 0; p < planes; p++)
          for (let r = 0; r < H; r++)
            for (let q = 0; q < W; q++) {
              const at = p * 4 * h * w + (r >> 1) * w + (q >> 1);
              inv[p * H * W + r * W + q] = (Math.abs(y[at]) + Math.abs(y[at + h * w]) + Math.abs(y[at + 2 * h * w]) + Math.abs(y[at + 3 * h * w])) / 2;
            }
        await check('ihaar2d', [y], [bandsShape], {}, { n: 10, magnitude: inv });
      });
    }
  });

  it('adamStep updates parameter and moments in place', async () => {
    const n = 1000;
    const rng = new Rng(34);
    const p = randomInput(rng, [n]), m = randomInput(rng, [n], -0.1, 0.1), v = randomInput(rng, [n], 0, 0.01), g = randomInput(rng, [n]);
    for (const attrs of [{ lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, step: 1 }, { lr: 2e-4, beta1: 0.8, beta2: 0.99, eps: 1e-6, step: 57 }]) {
      const { ref, gpu } = await runBoth('adamStep', [p, m, v, g], [[n], [n], [n], [n]], attrs, true);
      const allow = adamAllowances(attrs, { m, v, g }, { p: ref[0], m: ref[1], v: ref[2] });
      expectWithin(gpu[0], ref[0], allow.p, 'adam p');
      expectWithin(gpu[1], ref[1], allow.m, 'adam m');
      expectWithin(gpu[2], ref[2], allow.v, 'adam v');
      expect(gpu[3]).toEqual(g);
    }
    expect(be.rt.kernelClass).toBe('WebGPUKernel');
  });
});
