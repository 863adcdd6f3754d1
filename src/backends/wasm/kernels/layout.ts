// Iteration spaces of the n-d kernels, collapsed to the fewest dims (size-1 dims dropped,
// neighbours merged where every operand steps through them as one), which keeps the module's
// walkers short and their inner runs long.

import type { Shape } from '../../types.js';
import { MAX_RANK } from '../control.js';

export interface Collapsed {
  dims: number[];
  strides: number[][];
}

export function collapse(dims: Shape, strides: readonly (readonly number[])[]): Collapsed {
  const outDims: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < dims.length; d++) {
    if (dims[d] === 1) continue;
    const last = outDims.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k][last] === s[d] * dims[d])) {
      outDims[last] *= dims[d];
      strides.forEach((s, k) => (outStrides[k][last] = s[d]));
      continue;
    }
    outDims.push(dims[d]);
    strides.forEach((s, k) => outStrides[k].push(s[d]));
  }
  if (!outDims.length) {
    outDims.push(1);
    outStrides.forEach((s) => s.push(0));
  }
  if (outDims.length > MAX_RANK) throw new Error(`wasm backend: ${dims.length}-d layout does not collapse to ${MAX_RANK} dims`);
  return { dims: outDims, strides: outStrides };
}

/** Int32 slots 8.., 16.., 24.. of an n-d record: dims and up to two stride sets. */
export function shapeSlots(ints: number[], c: Collapsed): number[] {
  for (let i = ints.length; i < 32; i++) ints.push(0);
  c.dims.forEach((d, i) => (ints[8 + i] = d));
  c.strides[0]?.forEach((s, i) => (ints[16 + i] = s));
  c.strides[1]?.forEach((s, i) => (ints[24 + i] = s));
  return ints;
}
