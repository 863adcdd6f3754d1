// Pooling, bilinear resize and Haar: per-plane kernels, one plane per chunk.

import type { AvgPool2dAttrs, AvgPool2dGradAttrs, Pool2dAttrs, ResizeBilinearAttrs, ResizeBilinearGradAttrs } from '../../attrs.js';
import { resizeTaps, type AxisTaps } from '../../resize-taps.js';
import { assertShape, haar2dGeometry, ihaar2dGeometry, poolGeometry, resizeGeometry, type PoolGeometry } from '../../shapes.js';
import type { Attrs, Shape } from '../../types.js';
import type { WasmTensor } from '../backend.js';
import type { WasmRuntime } from '../runtime.js';

type K = (ins: readonly WasmTensor[], outs: readonly WasmTensor[], attrs: Attrs) => void;
const PARALLEL_ELEMENTS = 65536;

function runPool(rt: WasmRuntime, name: string, g: PoolGeometry, a: Pool2dAttrs, x: number, y: number, gOut: number, includePad: boolean, gradScratch: boolean): void {
  const ints = [x, y, g.H, g.W, g.Ho, g.Wo, a.kernel[0], a.kernel[1], a.stride[0], a.stride[1], a.padding[0], a.padding[1], includePad ? 1 : 0, gOut];
  // window taps, not just elements: a 7x7 average over a small image is 49 float64 adds an output
  const work = g.planes * Math.max(g.H * g.W, g.Ho * g.Wo * a.kernel[0] * a.kernel[1]);
  rt.run(name, g.planes, rt.params(ints), work >= PARALLEL_ELEMENTS, gradScratch ? g.H * g.W * 8 : 0);
}

/** Table layout of assembly/resize.ts: i0[n], i1[n] as int32, then l0[n], l1[n] as float64. */
function writeTaps(rt: WasmRuntime, t: AxisTaps): { ptr: number; bytes: number } {
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
  const g = resizeGeometry(small, large, inSize, a, name);
  const { planes, H, W, oh, ow } = g;
  const taps = resizeTaps(g, a);
  const rows = writeTaps(rt, taps.rows);
  const cols = writeTaps(rt, taps.cols);
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
      const { planes, H, W } = haar2dGeometry(x.shape, y.shape);
      rt.run('haar2d', planes, rt.params([x.buf.ptr, y.buf.ptr, H, W]), planes * H * W >= PARALLEL_ELEMENTS);
    },
    ihaar2d: ([x], [y]) => {
      const { planes, h, w } = ihaar2dGeometry(x.shape, y.shape);
      rt.run('ihaar2d', planes, rt.params([x.buf.ptr, y.buf.ptr, h, w]), planes * 4 * h * w >= PARALLEL_ELEMENTS);
    },
  };
}
