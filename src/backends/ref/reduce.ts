import type { Attrs, Shape } from '../types.js';
import type { RefTensor } from './backend.js';

/** For each input element (row-major), the index of the output element it reduces into. */
function groupIndex(shape: Shape, axes: readonly number[]): { index: Int32Array; groups: number } {
  const r = shape.length;
  const outStride = new Array<number>(r).fill(0);
  let acc = 1;
  for (let i = r - 1; i >= 0; i--) {
    if (!axes.includes(i)) {
      outStride[i] = acc;
      acc *= shape[i];
    }
  }
  let n = 1;
  for (const d of shape) n *= d;
  const index = new Int32Array(n);
  const idx = new Array<number>(r).fill(0);
  let off = 0;
  for (let p = 0; p < n; p++) {
    index[p] = off;
    for (let d = r - 1; d >= 0; d--) {
      off += outStride[d];
      if (++idx[d] < shape[d]) break;
      off -= outStride[d] * shape[d];
      idx[d] = 0;
    }
  }
  return { index, groups: acc };
}

// Sums accumulate in doubles in row-major input order: deterministic and at least as accurate
// as any float32 kernel.
export function sum([x]: readonly RefTensor[], [y]: readonly RefTensor[], attrs: Attrs): void {
  const { index, groups } = groupIndex(x.shape, attrs.axes as number[]);
  const acc = new Float64Array(groups);
  const a = x.buf.data;
  for (let p = 0; p < a.length; p++) acc[index[p]] += a[p];
  y.buf.data.set(acc);
}

/** Position of the first max (or min) of every group; NaN wins, as in torch.max. */
function firstExtremum(x: RefTensor, axes: readonly number[], kind: string): { pos: Int32Array; index: Int32Array } {
  const { index, groups } = groupIndex(x.shape, axes);
  const pos = new Int32Array(groups).fill(-1);
  const a = x.buf.data;
  const better = kind === 'max' ? (v: number, b: number) => v > b : (v: number, b: number) => v < b;
  for (let p = 0; p < a.length; p++) {
    const g = index[p];
    const best = pos[g];
    if (best < 0) pos[g] = p;
    else if (a[best] === a[best] && (a[p] !== a[p] || better(a[p], a[best]))) pos[g] = p;
  }
  return { pos, index };
}

export function extremum([x]: readonly RefTensor[], [y]: readonly RefTensor[], attrs: Attrs): void {
  const { pos } = firstExtremum(x, attrs.axes as number[], attrs.kind as string);
  const a = x.buf.data;
  const o = y.buf.data;
  for (let g = 0; g < pos.length; g++) o[g] = a[pos[g]];
}

export function extremumMask([x]: readonly RefTensor[], [y]: readonly RefTensor[], attrs: Attrs): void {
  const { pos } = firstExtremum(x, attrs.axes as number[], attrs.kind as string);
  const o = y.buf.data;
  o.fill(0);
  for (let g = 0; g < pos.length; g++) o[pos[g]] = 1;
}
