// The 1-D orthonormal DCT along W or H by the basis's symmetry (src/backends/dct-basis.ts): a
// pass splits the input into the halves the even and odd basis rows act on, two half-size
// products (the blocked GEMM of linalg.ts) transform them, and a pass merges the results
// (assembly/dct.ts). Half the multiply-adds of the full product for two passes over the data.
// Odd or tiny sizes take the full product. Blocks depend on shapes only: the results do not
// depend on the thread count. The halves live in linear memory only during the call: twice the
// input's size on top of the input and the output.

import { dctBasisValues, dctHalfBases } from '../../dct-basis.js';
import type { Attrs } from '../../types.js';
import type { WasmTensor } from '../backend.js';
import type { WasmRuntime } from '../runtime.js';
import { kBlock, nBlock, per, runTabled, same } from './linalg.js';

const PARALLEL_ELEMENTS = 65536;
/** Below this size the passes cost more than the halved product saves. */
const MIN_SPLIT = 8;

interface Bases {
  /** float32 copies in linear memory, kept for the runtime's life: the full basis, or E and O. */
  full?: number;
  even?: number;
  odd?: number;
}
const cache = new WeakMap<WasmRuntime, Map<number, Bases>>();

function upload(rt: WasmRuntime, values: Float64Array): number {
  const ptr = rt.heap.alloc(values.length * 4);
  rt.f32(ptr, values.length).set(values);
  return ptr;
}

function bases(rt: WasmRuntime, n: number, split: boolean): Bases {
  let m = cache.get(rt);
  if (!m) cache.set(rt, (m = new Map()));
  let b = m.get(n);
  if (!b) m.set(n, (b = {}));
  if (split && b.even === undefined) {
    const { even, odd } = dctHalfBases(n);
    b.even = upload(rt, even);
    b.odd = upload(rt, odd);
  }
  if (!split && b.full === undefined) b.full = upload(rt, dctBasisValues(n));
  return b;
}

export function dctKernel(rt: WasmRuntime) {
  const rows = rt.constant('DCT_ROWS');
  const FOLD_W = rt.constant('MODE_FOLD_W'), FOLD_H = rt.constant('MODE_FOLD_H');
  const SPLIT_W = rt.constant('MODE_SPLIT_W'), SPLIT_H = rt.constant('MODE_SPLIT_H');
  return ([x]: readonly WasmTensor[], [y]: readonly WasmTensor[], attrs: Attrs): void => {
    const alongW = (attrs.axis as number) === -1;
    const inverse = attrs.inverse as boolean;
    const r = x.shape.length;
    const n = x.shape[alongW ? r - 1 : r - 2];
    const W = x.shape[r - 1];
    const size = y.buf.size;
    if (size === 0) return;
    // along W: [lines, n] rows; along H: `lines` planes of [n, W]
    const lines = alongW ? size / n : size / (n * W);
    if (n % 2 || n < MIN_SPLIT) {
      const c = bases(rt, n, false).full!;
      if (alongW) {
        // y = x Cᵀ (forward), y = x C (inverse), all rows as one matrix
        return runTabled(rt, { M: lines, N: n, K: n, A: x.buf.ptr, B: c, C: y.buf.ptr, transB: !inverse, kc: kBlock(n), nc: nBlock(n) }, [0], [0]);
      }
      const g = { M: n, N: W, K: n, A: c, B: x.buf.ptr, C: y.buf.ptr, transA: inverse, kc: kBlock(n), nc: nBlock(W) };
      return runTabled(rt, g, same(lines), per(lines, n * W));
    }
    const h = n / 2;
    const { even, odd } = bases(rt, n, true);
    const half = size / 2;
    const bytes = half * 4;
    const ptrs = [rt.heap.alloc(bytes), rt.heap.alloc(bytes), rt.heap.alloc(bytes), rt.heap.alloc(bytes)];
    const [a, b, pa, pb] = ptrs;
    try {
      const mode = alongW ? (inverse ? SPLIT_W : FOLD_W) : inverse ? SPLIT_H : FOLD_H;
      const chunks = alongW ? Math.ceil(lines / rows) : lines;
      const parallel = size >= PARALLEL_ELEMENTS;
      rt.run('dctSplit', chunks, rt.params([mode, x.buf.ptr, a, b, n, W, lines]), parallel);
      for (const [src, basis, dst] of [[a, even!, pa], [b, odd!, pb]]) {
        if (alongW) {
          // [lines, h] by E or O: forward u Eᵀ, inverse Xe E
          runTabled(rt, { M: lines, N: h, K: h, A: src, B: basis, C: dst, transB: !inverse, kc: kBlock(h), nc: nBlock(h) }, [0], [0]);
        } else {
          // per plane: forward E u, inverse Eᵀ Xe
          const g = { M: h, N: W, K: h, A: basis, B: src, C: dst, transA: inverse, kc: kBlock(h), nc: nBlock(W) };
          runTabled(rt, g, same(lines), per(lines, h * W));
        }
      }
      rt.run('dctMerge', chunks, rt.params([mode, y.buf.ptr, pa, pb, n, W, lines]), parallel);
    } finally {
      for (const p of ptrs) rt.heap.release(p, bytes);
    }
  };
}
