import { broadcastStrides, contiguousStrides } from '../../geometry.js';
import type { Attrs } from '../../types.js';
import type { WasmTensor } from '../backend.js';
import { ELEMENT_CHUNK } from '../control.js';
import type { WasmRuntime } from '../runtime.js';
import { collapse, shapeSlots } from './layout.js';

// Ops and the names of their codes, which assembly/elementwise.ts defines and exports.
export const UNARY_OPS: Record<string, string> = {
  neg: 'U_NEG', exp: 'U_EXP', log: 'U_LOG', sqrt: 'U_SQRT', abs: 'U_ABS', sign: 'U_SIGN', relu: 'U_RELU', sin: 'U_SIN', cos: 'U_COS', erf: 'U_ERF',
};
export const BINARY_OPS: Record<string, string> = { add: 'B_ADD', sub: 'B_SUB', mul: 'B_MUL', div: 'B_DIV', reluGrad: 'B_RELU_GRAD' };
const CMP_NAMES: Record<string, string> = { gt: 'CMP_GT', ge: 'CMP_GE', lt: 'CMP_LT', le: 'CMP_LE', eq: 'CMP_EQ' };

function cmpCode(rt: WasmRuntime, cmp: unknown): number {
  const name = CMP_NAMES[cmp as string];
  if (!name) throw new Error(`wasm backend: unknown comparison '${String(cmp)}'`);
  return rt.constant(name);
}

/** Small jobs stay on the calling thread: waking workers costs more than they save. */
const PARALLEL_ELEMENTS = 4 * ELEMENT_CHUNK;

function chunks(n: number): number {
  return Math.ceil(n / ELEMENT_CHUNK);
}

function runUnary(rt: WasmRuntime, code: number, x: number, y: number, n: number, cmp = 0, f: number[] = []): void {
  rt.run('unary', chunks(n), rt.params([code, x, y, n, cmp], f), n >= PARALLEL_ELEMENTS);
}

export function fill(rt: WasmRuntime, ptr: number, n: number, value: number): void {
  runUnary(rt, rt.constant('U_FILL'), ptr, ptr, n, 0, [value]);
}

export function unaryKernel(rt: WasmRuntime, code: number) {
  return ([x]: readonly WasmTensor[], [y]: readonly WasmTensor[]): void => runUnary(rt, code, x.buf.ptr, y.buf.ptr, y.buf.size);
}

export function affineKernel(rt: WasmRuntime) {
  const code = rt.constant('U_AFFINE');
  return ([x]: readonly WasmTensor[], [y]: readonly WasmTensor[], a: Attrs): void =>
    runUnary(rt, code, x.buf.ptr, y.buf.ptr, y.buf.size, 0, [a.scale as number, a.shift as number]);
}

export function compareScalarKernel(rt: WasmRuntime) {
  const code = rt.constant('U_CMP_SCALAR');
  return ([x]: readonly WasmTensor[], [y]: readonly WasmTensor[], a: Attrs): void =>
    runUnary(rt, code, x.buf.ptr, y.buf.ptr, y.buf.size, cmpCode(rt, a.cmp), [a.value as number]);
}

export function clampKernel(rt: WasmRuntime) {
  const code = rt.constant('U_CLAMP');
  return ([x]: readonly WasmTensor[], [y]: readonly WasmTensor[], a: Attrs): void =>
    runUnary(rt, code, x.buf.ptr, y.buf.ptr, y.buf.size, 0, [(a.min as number | null) ?? -Infinity, (a.max as number | null) ?? Infinity]);
}

function runBinary(rt: WasmRuntime, code: number, a: WasmTensor, b: WasmTensor, out: WasmTensor): void {
  const n = out.buf.size;
  if (n === 0) return;
  const c = collapse(out.shape, [broadcastStrides(a.shape, out.shape), broadcastStrides(b.shape, out.shape)]);
  const ints = shapeSlots([code, a.buf.ptr, b.buf.ptr, out.buf.ptr, n, c.dims.length], c);
  rt.run('binary', chunks(n), rt.params(ints), n >= PARALLEL_ELEMENTS);
}

export function binaryKernel(rt: WasmRuntime, code: number) {
  return ([a, b]: readonly WasmTensor[], [out]: readonly WasmTensor[]): void => runBinary(rt, code, a, b, out);
}

export function compareKernel(rt: WasmRuntime) {
  const base = rt.constant('B_GT') - rt.constant('CMP_GT');
  return ([a, b]: readonly WasmTensor[], [out]: readonly WasmTensor[], attrs: Attrs): void =>
    runBinary(rt, base + cmpCode(rt, attrs.cmp), a, b, out);
}

/** Copies the block `dims` between strided layouts (element strides, offsets in elements). */
export function copyStrided(rt: WasmRuntime, src: number, srcStrides: readonly number[], dst: number, dstStrides: readonly number[], dims: readonly number[]): void {
  let n = 1;
  for (const d of dims) n *= d;
  if (n === 0) return;
  const c = collapse(dims, [srcStrides, dstStrides]);
  const ints = shapeSlots([src, dst, n, c.dims.length], c);
  rt.run('copy', chunks(n), rt.params(ints), n >= PARALLEL_ELEMENTS);
}

export function copyContiguous(rt: WasmRuntime, src: number, dst: number, shape: readonly number[]): void {
  const s = contiguousStrides(shape);
  copyStrided(rt, src, s, dst, s, shape);
}

/** dst[e] = sum over r < rows of src[r * len + e], in r order. */
export function sumRows(rt: WasmRuntime, src: number, dst: number, rows: number, len: number): void {
  rt.run('sumRows', chunks(len), rt.params([src, dst, rows, len]), len * rows >= PARALLEL_ELEMENTS);
}
