// Pooling, bilinear resize and Haar: per-plane kernels, one plane per chunk.

import type { AvgPool2dAttrs, AvgPool2dGradAttrs, Pool2dAttrs, ResizeBilinearAttrs, ResizeBilinearGradAttrs } from '../../attrs.js';
import { assertShape, poolOutSize } from '../../shapes.js';
import type { Attrs, Shape } from '../../types.js';
import type { WasmTensor } from '../backend.js';
import type { WasmRuntime } from '../runtime.js';

type K = (ins: readonly WasmTensor[], outs: readonly WasmTensor[], attrs: Attrs) => void;
const PARALLEL_ELEMENTS = 65536;

function planesOf(lead: Shape): number {
  return lead.reduce((p, d) => p * d, 1);
}

interface PoolGeometry {
  planes: number;
  H: number;
  W: number;
  Ho: number;
  Wo: number;
}

function poolGeometry(xShape: Shape, pooled: Shape, a: Pool2dAttrs, what: string): PoolGeometry {
  if (xShape.length < 2) throw new Error(`${what}: input needs at least 2 dims`);
  const lead = xShape.slice(0, -2);
  const H = xShape[xShape.length - 2];
  const W = xShape[xShape.length - 1];
  const Ho = poolOutSize(H, a.kernel[0], a.stride[0], a.padding[0]);
  const Wo = poolOutSize(W, a.kernel[1], a.stride[1], a.padding[1]);
  assertShape(pooled, [...lead, Ho, Wo], `${what} pooled`);
  return { planes: planesOf(lead), H, W, Ho, Wo };
}

function runPool(rt: WasmRuntime, name: string, g: PoolGeometry, a: Pool2dAttrs, x: number, y: number, gOut: number, includePad: boolean, gradScratch: boolean): void {
  const ints = [x, y, g.H, g.W, g.Ho, g.Wo, a.kernel[0], a.kernel[1], a.stride[0], a.stride[1], a.padding[0], a.padding[1], includePad ? 1 : 0, gOut];
  const work = g.planes * Math.max(g.H * g.W, g.Ho * g.Wo);
  rt.run(name, g.planes, rt.params(ints), work >= PARALLEL_ELEMENTS, gradScratch ? g.H * g.W * 8 : 0);
}

/** Per output position along one axis: source indices and float64 weights, as the reference computes them. */
function axisTaps(inSize: number, outSize: number, alignCorners: boolean, ratioGiven: number | null) {
  const ratio = alignCorners ? (outSize > 1 ? (inSize - 1) / (outSize - 1) : 0) : (ratioGiven ?? inSize / outSize);
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const l0 = new Float64Array(outSize);
  const l1 = new Float64Array(outSize);
  for (let d = 0; d < outSize; d++) {
    const src = alignCorners ? ratio * d : Math.max(ratio * (d + 0.5) - 0.5, 0);
    const a = Math.min(Math.floor(src), inSize - 1);
    const w = Math.min(Math.max(src - a, 0), 1);
    i0[d] = a;
    i1[d] = Math.min(a + 1, inSize - 1);
    l1[d] = w;
    l0[d] = 1 - w;
  }
  return { i0, i1, l0, l1 };
}

/** Table layout of assembly/resize.ts: i0[n], i1[n] as int32, then l0[n], l1[n] as float64. */
function writeTaps(rt: WasmRuntime, t: ReturnType<typeof axisTaps>): { ptr: number; bytes: number } {
  const n = t.i0.length;
  const bytes = n * 24;
  const ptr = rt.heap.alloc(bytes);
  const buf = rt.memory.buffer;
  new Int32Array(buf, ptr, n).set(t.i0);
  new Int32Array(buf, ptr + n * 4, n).set(t.i1);
  new Float64Array(buf, ptr + n * 8, n).set(t.l0);
  new Float64Array(buf, ptr + n * 16, n).set(t.l1);
  return { ptr, bytes };
}

function runResize(rt: WasmRuntime, name: string, small: Shape, large: Shape, inSize: readonly number[], a: ResizeBilinearAttrs, x: number, y: number): void {
  if (small.length < 2) throw new Error(`${name}: input needs at least 2 dims`);
  const lead = small.slice(0, -2);
  const [H, W] = inSize;
  const [oh, ow] = a.size;
  assertShape(small, [...lead, H, W], `${name} input side`);
  assertShape(large, [...lead, oh, ow], `${name} output side`);
  const planes = planesOf(lead);
  const rows = writeTaps(rt, axisTaps(H, oh, a.alignCorners, a.ratio?.[0] ?? null));
  const cols = writeTaps(rt, axisTaps(W, ow, a.alignCorners, a.ratio?.[1] ?? null));
  try {
    const grad = name === 'resizeBilinearGrad';
    rt.run(name, planes, rt.params([x, y, H, W, oh, ow, rows.ptr, cols.ptr]), planes * oh * ow >= PARALLEL_ELEMENTS, grad ? H * W * 8 : 0);
  } finally {
    rt.heap.release(cols.ptr, cols.bytes);
    rt.heap.release(rows.ptr, rows.bytes);
  }
}

export function windowedKernels(rt: WasmRuntime): Record<string, K> {
  return {
    maxPool2d: ([x], [y], attrs) => {
      const a = attrs as unknown as Pool2dAttrs;
      runPool(rt, 'maxPool2d', poolGeometry(x.shape, y.shape, a, 'maxPool2d'), a, x.buf.ptr, y.buf.ptr, 0, false, false);
    },
    maxPool2dGrad: ([x, g], [y], attrs) => {
      const a = attrs as unknown as Pool2dAttrs;
      const geo = poolGeometry(x.shape, g.shape, a, 'maxPool2dGrad');
      assertShape(y.shape, x.shape, 'maxPool2dGrad output');
      runPool(rt, 'maxPool2dGrad', geo, a, x.buf.ptr, y.buf.ptr, g.buf.ptr, false, true);
    },
    avgPool2d: ([x], [y], attrs) => {
      const a = attrs as unknown as AvgPool2dAttrs;
      runPool(rt, 'avgPool2d', poolGeometry(x.shape, y.shape, a, 'avgPool2d'), a, x.buf.ptr, y.buf.ptr, 0, a.countIncludePad, false);
    },
    avgPool2dGrad: ([g], [y], attrs) => {
      const a = attrs as unknown as AvgPool2dGradAttrs;
      assertShape(y.shape, a.inputShape, 'avgPool2dGrad output');
      const geo = poolGeometry(a.inputShape, g.shape, a, 'avgPool2dGrad');
      runPool(rt, 'avgPool2dGrad', geo, a, 0, y.buf.ptr, g.buf.ptr, a.countIncludePad, true);
    },
    resizeBilinear: ([x], [y], attrs) => {
      const a = attrs as unknown as ResizeBilinearAttrs;
      runResize(rt, 'resizeBilinear', x.shape, y.shape, x.shape.slice(-2), a, x.buf.ptr, y.buf.ptr);
    },
    resizeBilinearGrad: ([g], [y], attrs) => {
      const a = attrs as unknown as ResizeBilinearGradAttrs;
      runResize(rt, 'resizeBilinearGrad', y.shape, g.shape, a.inputSize, a, g.buf.ptr, y.buf.ptr);
    },
    haar2d: ([x], [y]) => {
      if (x.shape.length < 2) throw new Error('haar2d: input needs at least 2 dims');
      const lead = x.shape.slice(0, -2);
      const H = x.shape[x.shape.length - 2];
      const W = x.shape[x.shape.length - 1];
      if (H % 2 !== 0 || W % 2 !== 0) throw new Error(`haar2d: H and W must be even, got ${H}x${W}`);
      assertShape(y.shape, [...lead, 4, H / 2, W / 2], 'haar2d output');
      const planes = planesOf(lead);
      rt.run('haar2d', planes, rt.params([x.buf.ptr, y.buf.ptr, H, W]), planes * H * W >= PARALLEL_ELEMENTS);
    },
    ihaar2d: ([x], [y]) => {
      if (x.shape.length < 3 || x.shape[x.shape.length - 3] !== 4) {
        throw new Error(`ihaar2d: input must be [..., 4, h, w], got [${x.shape.join(', ')}]`);
      }
      const lead = x.shape.slice(0, -3);
      const h = x.shape[x.shape.length - 2];
      const w = x.shape[x.shape.length - 1];
      assertShape(y.shape, [...lead, 2 * h, 2 * w], 'ihaar2d output');
      const planes = planesOf(lead);
      rt.run('ihaar2d', planes, rt.params([x.buf.ptr, y.buf.ptr, h, w]), planes * 4 * h * w >= PARALLEL_ELEMENTS);
    },
  };
}
