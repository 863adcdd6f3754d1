// The 1-D orthonormal DCT along W or H by the basis's symmetry (src/backends/dct-basis.ts): the
// module's dct1d folds (or splits) each block of lines into the halves the even and odd basis
// rows act on, multiplies them by the half bases (packed here once per size) and merges the
// results, in one pass with no temporaries (assembly/dct.ts). Half the multiply-adds of the full
// product. Odd or tiny sizes take the full product. Blocks depend on shapes only: the results do
// not depend on the thread count.

import { dctBasisValues, dctHalfBases } from '../../dct-basis.js';
import type { Attrs } from '../../types.js';
import type { WasmTensor } from '../backend.js';
import type { WasmRuntime } from '../runtime.js';
import { kBlock, nBlock, per, runTabled, same } from './linalg.js';

const PARALLEL_ELEMENTS = 65536;
/** Below this size the fold and merge cost more than the halved product saves. */
const MIN_SPLIT = 8;

/** Packed half bases of one size, in linear memory for the runtime's life. */
interface Packed {
  /** the full basis, for sizes that take the plain product */
  full?: number;
  /** per mode: E's and O's panels as assembly/dct.ts reads them */
  half: Map<number, [number, number]>;
}
const cache = new WeakMap<WasmRuntime, Map<number, Packed>>();

function upload(rt: WasmRuntime, values: ArrayLike<number>): number {
  const ptr = rt.heap.alloc(values.length * 4);
  rt.f32(ptr, values.length).set(values);
  return ptr;
}

/**
 * An h x h half basis as the register tile's panels, K = h rows each, zero past h: lane j of
 * k-row k holds M[j][k] (`byRow`) or M[k][j]. 8-column panels (along W the basis is the right
 * operand: lane = output column) or 4-row panels (along H the left operand: lane = output row):
 * out[(g h + k) width + c] for j = g width + c.
 */
function panels(m: Float64Array, h: number, width: 4 | 8, byRow: boolean): Float64Array {
  const groups = Math.ceil(h / width);
  const out = new Float64Array(groups * h * width);
  for (let g = 0; g < groups; g++) {
    for (let k = 0; k < h; k++) {
      for (let c = 0; c < width; c++) {
        const j = g * width + c;
        if (j < h) out[(g * h + k) * width + c] = byRow ? m[j * h + k] : m[k * h + j];
      }
    }
  }
  return out;
}

function packed(rt: WasmRuntime, n: number): Packed {
  let m = cache.get(rt);
  if (!m) cache.set(rt, (m = new Map()));
  let b = m.get(n);
  if (!b) m.set(n, (b = { half: new Map() }));
  return b;
}

function fullBasis(rt: WasmRuntime, n: number): number {
  const b = packed(rt, n);
  return (b.full ??= upload(rt, dctBasisValues(n)));
}

export function dctKernel(rt: WasmRuntime) {
  const rows = rt.constant('DCT_ROWS'), cols = rt.constant('DCT_COLS');
  const FOLD_W = rt.constant('MODE_FOLD_W'), FOLD_H = rt.constant('MODE_FOLD_H');
  const SPLIT_W = rt.constant('MODE_SPLIT_W'), SPLIT_H = rt.constant('MODE_SPLIT_H');
  /**
   * E's and O's panels for a mode (even[k][i] = C[2k][i], odd[k][i] = C[2k+1][i]); the forward
   * transform reads E by rows, the inverse by columns:
   *   fold W:  u Eᵀ, B[k][j] = E[j][k]     split W: a E,  B[k][i] = E[k][i]
   *   fold H:  E u,  A[j][k] = E[j][k]     split H: Eᵀ a, A[i][k] = E[k][i]
   */
  const halfBases = (n: number, mode: number): [number, number] => {
    const b = packed(rt, n);
    let p = b.half.get(mode);
    if (!p) {
      const h = n / 2;
      const { even, odd } = dctHalfBases(n);
      const width = mode === FOLD_W || mode === SPLIT_W ? 8 : 4;
      const byRow = mode === FOLD_W || mode === FOLD_H;
      p = [upload(rt, panels(even, h, width, byRow)), upload(rt, panels(odd, h, width, byRow))];
      b.half.set(mode, p);
    }
    return p;
  };
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
      const c = fullBasis(rt, n);
      if (alongW) {
        // y = x Cᵀ (forward), y = x C (inverse), all rows as one matrix
        return runTabled(rt, { M: lines, N: n, K: n, A: x.buf.ptr, B: c, C: y.buf.ptr, transB: !inverse, kc: kBlock(n), nc: nBlock(n) }, [0], [0]);
      }
      const g = { M: n, N: W, K: n, A: c, B: x.buf.ptr, C: y.buf.ptr, transA: inverse, kc: kBlock(n), nc: nBlock(W) };
      return runTabled(rt, g, same(lines), per(lines, n * W));
    }
    const mode = alongW ? (inverse ? SPLIT_W : FOLD_W) : inverse ? SPLIT_H : FOLD_H;
    const [e, o] = halfBases(n, mode);
    const chunks = alongW ? Math.ceil(lines / rows) : lines * Math.ceil(W / cols);
    const params = rt.params([mode, x.buf.ptr, y.buf.ptr, n, W, lines, e, o, kBlock(n / 2)]);
    rt.run('dct1d', chunks, params, size >= PARALLEL_ELEMENTS, rt.scratchFor('dct', n));
  };
}
