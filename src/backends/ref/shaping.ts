import { broadcastStrides, contiguousStrides, numel, splitBegins } from '../geometry.js';
import type { Attrs, Shape, TypedArray } from '../types.js';
import type { RefTensor } from './backend.js';

/** Copies an n-d block of `shape` between two strided layouts (the one loop all movement ops share). */
function copyStrided(src: TypedArray, srcOff: number, srcStr: readonly number[], dst: TypedArray, dstOff: number, dstStr: readonly number[], shape: Shape): void {
  const r = shape.length;
  const n = numel(shape);
  if (n === 0) return;
  if (r === 0) {
    dst[dstOff] = src[srcOff];
    return;
  }
  const inner = shape[r - 1];
  const si = srcStr[r - 1];
  const di = dstStr[r - 1];
  const idx = new Array<number>(r).fill(0);
  let s = srcOff;
  let d = dstOff;
  for (let done = 0; done < n; done += inner) {
    for (let j = 0, ps = s, pd = d; j < inner; j++, ps += si, pd += di) dst[pd] = src[ps];
    for (let k = r - 2; k >= 0; k--) {
      s += srcStr[k];
      d += dstStr[k];
      if (++idx[k] < shape[k]) break;
      s -= srcStr[k] * shape[k];
      d -= dstStr[k] * shape[k];
      idx[k] = 0;
    }
  }
}

export function permute([x]: readonly RefTensor[], [y]: readonly RefTensor[], attrs: Attrs): void {
  const perm = attrs.perm as number[];
  const st = contiguousStrides(x.shape);
  copyStrided(x.buf.data, 0, perm.map((p) => st[p]), y.buf.data, 0, contiguousStrides(y.shape), y.shape);
}

export function expand([x]: readonly RefTensor[], [y]: readonly RefTensor[]): void {
  copyStrided(x.buf.data, 0, broadcastStrides(x.shape, y.shape), y.buf.data, 0, contiguousStrides(y.shape), y.shape);
}

export function slice([x]: readonly RefTensor[], [y]: readonly RefTensor[], attrs: Attrs): void {
  const begin = attrs.begin as number[];
  const st = contiguousStrides(x.shape);
  const off = begin.reduce((acc, b, i) => acc + b * st[i], 0);
  copyStrided(x.buf.data, off, st, y.buf.data, 0, contiguousStrides(y.shape), y.shape);
}

export function split([x]: readonly RefTensor[], ys: readonly RefTensor[], attrs: Attrs): void {
  splitBegins(x.shape.length, attrs.axis as number, attrs.sizes as number[]).forEach((begin, i) => slice([x], [ys[i]], { begin }));
}

export function pad([x]: readonly RefTensor[], [y]: readonly RefTensor[], attrs: Attrs): void {
  const pads = attrs.pads as [number, number][];
  const st = contiguousStrides(y.shape);
  y.buf.data.fill(attrs.value as number);
  const off = pads.reduce((acc, [b], i) => acc + b * st[i], 0);
  copyStrided(x.buf.data, 0, contiguousStrides(x.shape), y.buf.data, off, st, x.shape);
}

export function concat(xs: readonly RefTensor[], [y]: readonly RefTensor[], attrs: Attrs): void {
  const axis = attrs.axis as number;
  const st = contiguousStrides(y.shape);
  let at = 0;
  for (const x of xs) {
    copyStrided(x.buf.data, 0, contiguousStrides(x.shape), y.buf.data, at * st[axis], st, x.shape);
    at += x.shape[axis];
  }
}
