// Movement kernels: each output element gathers one input element (or the pad value).

import { broadcastStrides, contiguousStrides, numel, splitBegins } from '../../geometry.js';
import type { Attrs, Kernel, Shape } from '../../types.js';
import type { GpuBackend, GpuTensor } from '../backend.js';
import { coords, kernelSource, linear, mergeAxes } from '../codegen.js';
import type { GpuHandle, KernelSpec } from '../runtime.js';
import { fillSpec } from './reduce.js';

/** Storage buffers per kernel stay within WebGPU compatibility mode's 4 (inputs + output). */
const MAX_INPUTS = 3;

/** out[i] = x[offset + sum(coord[k] * strides[k])] over the output's coordinates. */
function gatherSpec(outShape: Shape, strides: readonly number[], offset: number): KernelSpec {
  const m = mergeAxes(outShape, [strides]);
  const { code, c } = coords('i', m.shape, 'c');
  return { size: numel(outShape), source: kernelSource(['x'], `${code}return x[${linear(c, m.strides[0], offset)}];\n`) };
}

function gatherKernel(be: GpuBackend, plan: (x: GpuTensor, y: GpuTensor, attrs: Attrs) => { strides: number[]; offset: number }): Kernel<any> {
  return ([x]: readonly GpuTensor[], [y]: readonly GpuTensor[], attrs: Attrs): void => {
    if (y.buf.size === 0) return;
    const { strides, offset } = plan(x, y, attrs);
    const spec = gatherSpec(y.shape, strides, offset);
    be.enqueue([x.buf], [y.buf], async ([hx], rt) => [await rt.run(spec, [hx])]);
  };
}

const permute = (be: GpuBackend) =>
  gatherKernel(be, (x, _y, a) => {
    const st = contiguousStrides(x.shape);
    return { strides: (a.perm as number[]).map((p) => st[p]), offset: 0 };
  });

const expand = (be: GpuBackend) => gatherKernel(be, (x, y) => ({ strides: broadcastStrides(x.shape, y.shape), offset: 0 }));

const slice = (be: GpuBackend) =>
  gatherKernel(be, (x, _y, a) => {
    const st = contiguousStrides(x.shape);
    return { strides: st, offset: (a.begin as number[]).reduce((acc, b, k) => acc + b * st[k], 0) };
  });

/** Pad: the input where every coordinate falls inside it, else the scalar `value`. */
function pad(be: GpuBackend): Kernel<any> {
  return ([x]: readonly GpuTensor[], [y]: readonly GpuTensor[], attrs: Attrs): void => {
    const n = y.buf.size;
    if (n === 0) return;
    const pads = attrs.pads as [number, number][];
    const value = attrs.value as number;
    const { code, c } = coords('i', y.shape, 'c');
    const inside: string[] = [];
    const local: string[] = [];
    x.shape.forEach((d, k) => {
      const [b] = pads[k];
      if (b === 0 && d === y.shape[k]) {
        local.push(c[k]);
        return;
      }
      local.push(b === 0 ? c[k] : `(${c[k]} - ${b})`);
      if (b > 0) inside.push(`${c[k]} >= ${b}`);
      if (b + d < y.shape[k]) inside.push(`${c[k]} < ${b + d}`);
    });
    if (x.buf.size === 0) {
      // nothing to read: every element is padding
      be.enqueue([], [y.buf], async (_h, rt) => [await rt.run(fillSpec(n), [value])]);
      return;
    }
    const read = `x[${linear(local, contiguousStrides(x.shape))}]`;
    const body = inside.length ? `${code}if (${inside.join(' && ')}) {\nreturn ${read};\n}\nreturn value;\n` : `${code}return ${read};\n`;
    const spec: KernelSpec = { size: n, source: kernelSource(['x', 'value'], body) };
    be.enqueue([x.buf], [y.buf], async ([hx], rt) => [await rt.run(spec, [hx, value])]);
  };
}

/**
 * Concat: each output element reads the input whose slab along `axis` it falls in. More than
 * MAX_INPUTS inputs are joined in rounds, the previous round's result first.
 */
function concat(be: GpuBackend): Kernel<any> {
  return (xs: readonly GpuTensor[], [y]: readonly GpuTensor[], attrs: Attrs): void => {
    if (y.buf.size === 0) return;
    const axis = attrs.axis as number;
    const parts = xs.filter((x) => x.buf.size > 0);
    const outer = numel(y.shape.slice(0, axis));
    const inner = numel(y.shape.slice(axis + 1));
    const total = y.shape[axis];
    // rounds over [outer, along, inner]: each part is [outer, len, inner]
    const specs: { spec: KernelSpec; count: number }[] = [];
    let done = 0; // length along axis covered by the previous rounds
    let at = 0;
    while (at < parts.length) {
      const take = parts.slice(at, at + (done ? MAX_INPUTS - 1 : MAX_INPUTS));
      const lens = [...(done ? [done] : []), ...take.map((p) => p.shape[axis])];
      const len = lens.reduce((s, l) => s + l, 0);
      const { code, c } = coords('i', [outer, len, inner], 'c');
      let body = code;
      let start = 0;
      lens.forEach((l, j) => {
        const read = `x${j}[${linear([c[0], `(${c[1]} - ${start})`, c[2]], [l * inner, inner, 1])}]`;
        body += j < lens.length - 1 ? `if (${c[1]} < ${start + l}) {\nreturn ${read};\n}\n` : `return ${read};\n`;
        start += l;
      });
      specs.push({ spec: { size: outer * len * inner, source: kernelSource(lens.map((_, j) => `x${j}`), body) }, count: take.length });
      done = len;
      at += take.length;
    }
    if (done !== total) throw new Error(`gpu concat: parts cover ${done} of ${total} along axis ${axis}`);
    be.enqueue(
      parts.map((p) => p.buf),
      [y.buf],
      async (hs, rt) => {
        let prev: GpuHandle | null = null;
        let used = 0;
        for (const { spec, count } of specs) {
          const args = [...(prev ? [prev] : []), ...hs.slice(used, used + count)];
          const next = await rt.run(spec, args);
          prev?.delete();
          prev = next;
          used += count;
        }
        return [prev];
      },
    );
  };
}

export function shapingKernels(be: GpuBackend): Record<string, Kernel<any>> {
  const sliceKernel = slice(be);
  const split: Kernel<any> = ([x], ys, attrs) => {
    splitBegins(x.shape.length, attrs.axis as number, attrs.sizes as number[]).forEach((begin, i) => sliceKernel([x], [ys[i]], { begin }));
  };
  return { permute: permute(be), expand: expand(be), slice: sliceKernel, split, pad: pad(be), concat: concat(be) };
}
