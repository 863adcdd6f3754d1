// Reductions (sum, max/min, the first-extremum mask). A group is reduced in chunks of CHUNK
// elements per thread, then the chunk results again, until one value per group is left: the
// GPU has thousands of threads to keep busy and no shared memory to reduce in (GPU.js exposes
// none), and summing in blocks keeps float32 rounding near sqrt(n) instead of n.
//
// The reduced elements of a group must be evenly strided for the chunking; when the reduced
// axes are not one run of adjacent axes (conv2d's bias gradient sums over N, H and W), the
// input is first copied to a [groups, reduced] layout.

import { contiguousStrides } from '../../geometry.js';
import type { Attrs, Kernel, Shape } from '../../types.js';
import type { GpuBackend, GpuTensor } from '../backend.js';
import { coords, divmod, intVar, kernelSource, linear } from '../codegen.js';
import type { GpuHandle, GpuRuntime, KernelSpec } from '../runtime.js';

const CHUNK = 256;

/**
 * Positions are passed between kernels as values of a result, which are float32: exact up to
 * 2^24, so the first-extremum mask takes groups of at most that many elements.
 */
export const MAX_POSITION = 2 ** 24;

type ReduceKind = 'sum' | 'max' | 'min';

interface Run {
  size: number;
  stride: number;
  reduced: boolean;
}

/** Axes merged into runs of adjacent kept or reduced axes (size-1 axes dropped). */
function runsOf(shape: Shape, axes: readonly number[]): Run[] {
  const st = contiguousStrides(shape);
  const runs: Run[] = [];
  for (let k = 0; k < shape.length; k++) {
    if (shape[k] === 1) continue;
    const reduced = axes.includes(k);
    const last = runs[runs.length - 1];
    if (last && last.reduced === reduced) {
      last.size *= shape[k];
      last.stride = st[k];
    } else runs.push({ size: shape[k], stride: st[k], reduced });
  }
  return runs;
}

const prod = (xs: readonly number[]) => xs.reduce((p, d) => p * d, 1);

/** Row-major strides of a list of sizes. */
function rowMajor(sizes: readonly number[]): number[] {
  return contiguousStrides(sizes);
}

/** Where group g's elements start and how far apart they are. */
export interface Rows {
  G: number;
  R: number;
  /** code computing `b0` from the group index `g` */
  base: string;
  rs: number;
}

function rowsDirect(runs: Run[]): Rows {
  const kept = runs.filter((r) => !r.reduced);
  const red = runs.filter((r) => r.reduced);
  const { code, c } = coords('g', kept.map((r) => r.size), 'k');
  return { G: prod(kept.map((r) => r.size)), R: prod(red.map((r) => r.size)), base: `${code}${intVar('b0', linear(c, kept.map((r) => r.stride)))}`, rs: red[0]?.stride ?? 1 };
}

export function rowsContiguous(G: number, R: number): Rows {
  return { G, R, base: intVar('b0', `g * ${R}`), rs: 1 };
}

/** Copies x to [groups, reduced] row-major (kept axes, then reduced axes, each in order). */
function gatherSpec(runs: Run[], G: number, R: number): KernelSpec {
  const kept = runs.filter((r) => !r.reduced);
  const red = runs.filter((r) => r.reduced);
  const gr = divmod('i', R, 'g', 'rr');
  const kc = coords('g', kept.map((r) => r.size), 'k');
  const rc = coords('rr', red.map((r) => r.size), 'r');
  const src = linear([...kc.c, ...rc.c], [...kept.map((r) => r.stride), ...red.map((r) => r.stride)]);
  return { size: G * R, source: kernelSource(['x'], `${gr}${kc.code}${rc.code}return x[${src}];\n`) };
}

function accumulate(kind: ReduceKind): string {
  if (kind === 'sum') return 'acc = acc + v;';
  return kind === 'max' ? 'if (v > acc) { acc = v; }' : 'if (v < acc) { acc = v; }';
}

/** One pass: thread (g, p) reduces elements [p*CHUNK, (p+1)*CHUNK) of group g. */
function stageSpec(rows: Rows, kind: ReduceKind): { spec: KernelSpec; P: number } {
  const { G, R, rs } = rows;
  const P = Math.ceil(R / CHUNK);
  const n = Math.min(R, CHUNK);
  const loop =
    P === 1
      ? `for (let k = 0; k < ${n}; k++) {\nconst v = x[b0 + k${rs === 1 ? '' : ` * ${rs}`}];\n${accumulate(kind)}\n}\n`
      : `for (let k = 0; k < ${n}; k++) {\n${intVar('rr', `p * ${CHUNK} + k`)}if (rr < ${R}) {\nconst v = x[b0 + rr${rs === 1 ? '' : ` * ${rs}`}];\n${accumulate(kind)}\n}\n}\n`;
  const init = kind === 'sum' ? 'let acc = 0;\n' : `let acc = x[b0${P === 1 ? '' : ` + p * ${CHUNK * rs}`}];\n`;
  const body = `${divmod('i', P, 'g', 'p')}${rows.base}${init}${loop}return acc;\n`;
  return { spec: { size: G * P, source: kernelSource(['x'], body) }, P };
}

/** Reduces every row to one value; deletes the intermediates it makes (never `x`). */
export async function reduceRows(rt: GpuRuntime, x: GpuHandle, rows: Rows, kind: ReduceKind): Promise<GpuHandle> {
  let cur = x;
  let r = rows;
  for (;;) {
    const { spec, P } = stageSpec(r, kind);
    const next = await rt.run(spec, [cur]);
    if (cur !== x) cur.delete();
    cur = next;
    if (P === 1) return cur;
    r = rowsContiguous(r.G, P);
  }
}

/** A result of `size` elements all equal to `value`. */
export function fillSpec(size: number): KernelSpec {
  return { size, source: 'function (value) { return value; }', anySize: true };
}

/** The rows of x to reduce: x itself when its reduced elements are evenly strided, else a copy. */
async function rowsOf(rt: GpuRuntime, x: GpuHandle, shape: Shape, axes: readonly number[]): Promise<{ src: GpuHandle; rows: Rows; copied: boolean }> {
  const runs = runsOf(shape, axes);
  const direct = rowsDirect(runs);
  if (runs.filter((r) => r.reduced).length <= 1) return { src: x, rows: direct, copied: false };
  const src = await rt.run(gatherSpec(runs, direct.G, direct.R), [x]);
  return { src, rows: rowsContiguous(direct.G, direct.R), copied: true };
}

function reduceKernel(be: GpuBackend, kindOf: (attrs: Attrs) => ReduceKind): Kernel<any> {
  return ([x]: readonly GpuTensor[], [y]: readonly GpuTensor[], attrs: Attrs): void => {
    const kind = kindOf(attrs);
    const axes = attrs.axes as number[];
    const G = y.buf.size;
    if (G === 0) return;
    if (x.buf.size === 0) {
      // sum over an empty axis (max/min over one is rejected by the op)
      be.enqueue([], [y.buf], async (_h, rt) => [await rt.run(fillSpec(G), [0])]);
      return;
    }
    be.enqueue([x.buf], [y.buf], async ([hx], rt) => {
      const { src, rows, copied } = await rowsOf(rt, hx, x.shape, axes);
      const out = await reduceRows(rt, src, rows, kind);
      if (copied) src.delete();
      return [out];
    });
  };
}

/** Thread (g, p): the first position in its chunk of group g holding m[g], else R. */
function firstPosSpec(rows: Rows): { spec: KernelSpec; P: number } {
  const { G, R, rs } = rows;
  const P = Math.ceil(R / CHUNK);
  const n = Math.min(R, CHUNK);
  const body =
    `${divmod('i', P, 'g', 'p')}${rows.base}const target = m[g];\nlet pos = ${R};\n` +
    `for (let k = 0; k < ${n}; k++) {\n${intVar('rr', `p * ${CHUNK} + k`)}` +
    `if (rr < ${R}) {\nif (pos == ${R}) {\nif (x[b0 + rr${rs === 1 ? '' : ` * ${rs}`}] == target) { pos = rr; }\n}\n}\n}\nreturn pos;\n`;
  return { spec: { size: G * P, source: kernelSource(['x', 'm'], body) }, P };
}

/** 1 where an element's rank in its group equals the group's first-extremum position. */
function maskSpec(shape: Shape, axes: readonly number[]): KernelSpec {
  const runs = runsOf(shape, axes);
  const { code, c } = coords('i', runs.map((r) => r.size), 'c');
  const keptIdx = runs.map((r, k) => (r.reduced ? -1 : k)).filter((k) => k >= 0);
  const redIdx = runs.map((r, k) => (r.reduced ? k : -1)).filter((k) => k >= 0);
  const g = linear(keptIdx.map((k) => c[k]), rowMajor(keptIdx.map((k) => runs[k].size)));
  const rr = linear(redIdx.map((k) => c[k]), rowMajor(redIdx.map((k) => runs[k].size)));
  return { size: prod(shape), source: kernelSource(['pos'], `${code}return pos[${g}] == ${rr} ? 1 : 0;\n`) };
}

function extremumMaskKernel(be: GpuBackend): Kernel<any> {
  return ([x]: readonly GpuTensor[], [y]: readonly GpuTensor[], attrs: Attrs): void => {
    const axes = attrs.axes as number[];
    const kind = attrs.kind === 'min' ? 'min' : 'max';
    if (y.buf.size === 0) return;
    const R = axes.reduce((p, a) => p * x.shape[a], 1);
    if (R > MAX_POSITION) throw new Error(`gpu extremumMask: groups of ${R} elements exceed 2^24, the most whose positions a float32 result holds exactly`);
    be.enqueue([x.buf], [y.buf], async ([hx], rt) => {
      const { src, rows, copied } = await rowsOf(rt, hx, x.shape, axes);
      const m = await reduceRows(rt, src, rows, kind);
      const first = firstPosSpec(rows);
      let pos = await rt.run(first.spec, [src, m]);
      m.delete();
      if (copied) src.delete();
      if (first.P > 1) {
        const chunks = pos;
        pos = await reduceRows(rt, chunks, rowsContiguous(rows.G, first.P), 'min');
        chunks.delete();
      }
      const out = await rt.run(maskSpec(x.shape, axes), [pos]);
      pos.delete();
      return [out];
    });
  };
}

export function reduceKernels(be: GpuBackend): Record<string, Kernel<any>> {
  return {
    sum: reduceKernel(be, () => 'sum'),
    extremum: reduceKernel(be, (a) => (a.kind === 'min' ? 'min' : 'max')),
    extremumMask: extremumMaskKernel(be),
  };
}
