// Movement ops as strided copies (exact: bits are copied, never converted).

import { broadcastStrides, contiguousStrides, splitBegins } from '../../geometry.js';
import type { Attrs } from '../../types.js';
import type { WasmTensor } from '../backend.js';
import type { WasmRuntime } from '../runtime.js';
import { copyStrided, fill } from './elementwise.js';

type K = (ins: readonly WasmTensor[], outs: readonly WasmTensor[], attrs: Attrs) => void;

export function shapingKernels(rt: WasmRuntime): Record<string, K> {
  const slice: K = ([x], [y], attrs) => {
    const st = contiguousStrides(x.shape);
    const off = (attrs.begin as number[]).reduce((acc, b, i) => acc + b * st[i], 0);
    copyStrided(rt, x.buf.ptr + off * 4, st, y.buf.ptr, contiguousStrides(y.shape), y.shape);
  };
  return {
    permute: ([x], [y], attrs) => {
      const st = contiguousStrides(x.shape);
      copyStrided(rt, x.buf.ptr, (attrs.perm as number[]).map((p) => st[p]), y.buf.ptr, contiguousStrides(y.shape), y.shape);
    },
    expand: ([x], [y]) => {
      copyStrided(rt, x.buf.ptr, broadcastStrides(x.shape, y.shape), y.buf.ptr, contiguousStrides(y.shape), y.shape);
    },
    slice,
    split: ([x], ys, attrs) => {
      splitBegins(x.shape.length, attrs.axis as number, attrs.sizes as number[]).forEach((begin, i) => slice([x], [ys[i]], { begin }));
    },
    pad: ([x], [y], attrs) => {
      const st = contiguousStrides(y.shape);
      fill(rt, y.buf.ptr, y.buf.size, attrs.value as number);
      const off = (attrs.pads as [number, number][]).reduce((acc, [b], i) => acc + b * st[i], 0);
      copyStrided(rt, x.buf.ptr, contiguousStrides(x.shape), y.buf.ptr + off * 4, st, x.shape);
    },
    concat: (xs, [y], attrs) => {
      const axis = attrs.axis as number;
      const st = contiguousStrides(y.shape);
      let at = 0;
      for (const x of xs) {
        copyStrided(rt, x.buf.ptr, contiguousStrides(x.shape), y.buf.ptr + at * st[axis] * 4, st, x.shape);
        at += x.shape[axis];
      }
    },
  };
}
