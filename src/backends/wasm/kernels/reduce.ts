import type { Attrs } from '../../types.js';
import type { WasmTensor } from '../backend.js';
import type { WasmRuntime } from '../runtime.js';
import { copyContiguous } from './elementwise.js';

const KIND = { sum: 0, max: 1, min: 2 } as const;
/** Chunks of a sum split over its kept axis (from the shape alone; any count gives the same bits). */
const SUM_KEPT_CHUNKS = 16;

/**
 * Runs of kept and reduced axes of x, size-1 axes dropped (they change neither the visiting
 * order nor the groups), neighbours of the same kind merged.
 */
function runs(shape: readonly number[], axes: readonly number[]): { dims: number[]; reduced: boolean[] } {
  const dims: number[] = [];
  const reduced: boolean[] = [];
  shape.forEach((d, i) => {
    if (d === 1) return;
    const r = axes.includes(i);
    if (dims.length && reduced[reduced.length - 1] === r) dims[dims.length - 1] *= d;
    else {
      dims.push(d);
      reduced.push(r);
    }
  });
  return { dims, reduced };
}

function reduceKernel(rt: WasmRuntime, kind: 'sum' | 'max' | 'min' | null, mask: boolean) {
  return ([x]: readonly WasmTensor[], [y]: readonly WasmTensor[], attrs: Attrs): void => {
    const k = kind ?? (attrs.kind as 'max' | 'min');
    const { dims, reduced } = runs(x.shape, attrs.axes as number[]);
    if (x.buf.size === 0 && k === 'sum') {
      rt.f32(y.buf.ptr, y.buf.size).fill(0);
      return;
    }
    if (!reduced.includes(true)) {
      // Nothing to combine: the result is x itself (a value, or a mask of ones).
      if (mask) rt.f32(y.buf.ptr, y.buf.size).fill(1);
      else copyContiguous(rt, x.buf.ptr, y.buf.ptr, [x.buf.size]);
      return;
    }
    const R = dims.length;
    // [reduced, kept] or [reduced, kept, reduced] (bias gradients): split over the kept axis
    if (k === 'sum' && !mask && reduced[0] && (R === 2 || (R === 3 && reduced[2]))) {
      const [A, B, C] = [dims[0], dims[1], R === 3 ? dims[2] : 1];
      const per = Math.max(1, Math.ceil(B / SUM_KEPT_CHUNKS));
      const parallel = B > 1 && x.buf.size >= 65536;
      rt.run('sumKept', Math.ceil(B / per), rt.params([x.buf.ptr, y.buf.ptr, A, B, C, per]), parallel);
      return;
    }
    const ostr = new Array<number>(R).fill(0);
    let groups = 1;
    for (let d = R - 1; d >= 0; d--) {
      if (!reduced[d]) {
        ostr[d] = groups;
        groups *= dims[d];
      }
    }
    const chunked = !reduced[0];
    const acc = rt.heap.alloc(groups * 8);
    try {
      const ints = [KIND[k], mask ? 1 : 0, x.buf.ptr, y.buf.ptr, R, groups, acc, chunked ? 1 : 0];
      for (let i = 0; i < 8; i++) {
        ints[8 + i] = dims[i] ?? 0;
        ints[16 + i] = reduced[i] ? 1 : 0;
        ints[24 + i] = ostr[i] ?? 0;
      }
      const total = chunked ? dims[0] : 1;
      rt.run('reduce', total, rt.params(ints), total > 1 && x.buf.size >= 65536);
    } finally {
      rt.heap.release(acc, groups * 8);
    }
  };
}

export function reduceKernels(rt: WasmRuntime) {
  return {
    sum: reduceKernel(rt, 'sum', false),
    extremum: reduceKernel(rt, null, false),
    extremumMask: reduceKernel(rt, null, true),
  };
}
