// Shared by the ref-kernel tests: tensors on the reference backend, seeded random data, closeness
// checks and a minimal safetensors reader for the PyTorch golden files.

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, expect } from 'vitest';
import { refBackend, type RefTensor } from '../../src/backends/ref/backend.js';
import type { Attrs, DType, Shape } from '../../src/backends/types.js';

type RefKernel = (inputs: readonly RefTensor[], outputs: readonly RefTensor[], attrs: Attrs) => void;

const live: RefTensor[] = [];

export function numel(shape: Shape): number {
  return shape.reduce((p, d) => p * d, 1);
}

export function tensor(shape: Shape, data: ArrayLike<number>, dtype: DType = 'float64'): RefTensor {
  const buf = refBackend.alloc(numel(shape), dtype);
  refBackend.write(buf, data);
  const t: RefTensor = { buf, shape: [...shape], dtype };
  live.push(t);
  return t;
}

/**
 * Runs a single-output kernel into an output pre-filled with NaN, so an element the kernel forgot
 * to write shows up (every test input is finite). Returns a float64 copy of the output.
 */
export function apply(kernel: RefKernel, inputs: readonly RefTensor[], outShape: Shape, attrs: Attrs): Float64Array {
  const dtype = inputs[0].dtype;
  const out = tensor(outShape, new Float64Array(numel(outShape)).fill(NaN), dtype);
  kernel(inputs, [out], attrs);
  const result = Float64Array.from(out.buf.data);
  const unwritten = result.findIndex((v) => Number.isNaN(v));
  expect(unwritten, `output element ${unwritten} left unwritten`).toBe(-1);
  return result;
}

/** Frees every tensor a test made and checks the backend is back where it started. */
export function useTensorCleanup(): void {
  const before = refBackend.stats().liveBuffers;
  afterEach(() => {
    for (const t of live.splice(0)) refBackend.free(t.buf);
    expect(refBackend.stats().liveBuffers).toBe(before);
  });
}

/** mulberry32: small, seeded, good enough for test data; values in [-1, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1;
  };
}

export function randomData(n: number, next: () => number): Float64Array {
  return Float64Array.from({ length: n }, next);
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Every |actual - expected| <= atol + rtol * |expected|, reporting the worst element. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol: number, what = ''): void {
  expect(actual.length, `${what} length`).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < actual.length; i++) {
    const excess = Math.abs(actual[i] - expected[i]) - (atol + rtol * Math.abs(expected[i]));
    if (!(excess <= worstExcess)) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    expect.fail(`${what}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (atol ${atol}, rtol ${rtol})`);
  }
}

/** Relative agreement of two scalars, for adjoint identities. */
export function expectRelClose(a: number, b: number, rel: number, what = ''): void {
  const scale = Math.max(Math.abs(a), Math.abs(b), 1e-300);
  expect(Math.abs(a - b) / scale, `${what}: ${a} vs ${b}`).toBeLessThan(rel);
}

// Golden files live beside the repository, in the shared folder.
const GOLDEN_DIR = fileURLToPath(new URL('../../../shared/golden/torch/', import.meta.url));
export const goldenAvailable = existsSync(GOLDEN_DIR);

export interface GoldenTensor {
  shape: number[];
  data: Float64Array;
}
export interface GoldenCase {
  args: Record<string, unknown>;
  tensors: Map<string, GoldenTensor>;
  get(name: string): GoldenTensor;
}

/** Format: u64 LE header length, JSON header, then raw little-endian F32 data at data_offsets. */
export function readGolden(file: string): GoldenCase {
  const bytes = readFileSync(GOLDEN_DIR + file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLen).toString('utf8')) as Record<string, unknown>;
  const dataStart = 8 + headerLen;
  const tensors = new Map<string, GoldenTensor>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: [begin, end] } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (dtype !== 'F32') throw new Error(`${file}: ${name} has dtype ${dtype}`);
    const data = new Float64Array((end - begin) / 4);
    for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(dataStart + begin + 4 * i, true);
    tensors.set(name, { shape, data });
  }
  const meta = header.__metadata__ as Record<string, string>;
  return {
    args: JSON.parse(meta.args) as Record<string, unknown>,
    tensors,
    get(name) {
      const t = tensors.get(name);
      if (!t) throw new Error(`${file}: no tensor ${name}`);
      return t;
    },
  };
}

/** PyTorch accepts an int or a pair for kernel_size, stride and padding. */
export function pair(v: unknown): [number, number] {
  if (typeof v === 'number') return [v, v];
  const [a, b] = v as number[];
  return [a, b];
}

export const GOLDEN_ATOL = 1e-5;
export const GOLDEN_RTOL = 1e-4;
