// Shared by the gpu backend tests: finds a software GPU (Chromium's SwiftShader Vulkan driver
// under Dawn, from the `webgpu` package), runs one op's kernel on 'ref' (float32 storage) and on
// 'gpu' with the same seeded inputs, and compares them under the backend's tolerance table.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { expect } from 'vitest';
import { getBackend, getKernel } from '../../src/backends/registry.js';
import type { GpuBackend } from '../../src/backends/gpu/index.js';
import { allowance, GPU_TOLERANCE, ulp32 } from '../../src/backends/gpu/tolerance.js';
import type { Attrs, Backend, BackendBuffer, Shape } from '../../src/backends/types.js';
import { getOp, Rng } from '../../src/tensor/index.js';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Why the gpu tests cannot run here, or null. Points Dawn at SwiftShader unless told otherwise. */
export function gpuSkipReason(): string | null {
  const req = createRequire(import.meta.url);
  for (const pkg of ['gpu.js', 'webgpu']) {
    try {
      req.resolve(pkg);
    } catch {
      return `${pkg} is not installed (npm install gpu.js webgpu)`;
    }
  }
  if (!process.env.VK_ICD_FILENAMES) {
    if (!existsSync(SWIFTSHADER_ICD)) return `no software GPU: ${SWIFTSHADER_ICD} is missing (apt-get install chromium) and VK_ICD_FILENAMES is unset`;
    // before the webgpu package loads: Dawn reads it when it creates its Vulkan instance
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  }
  return null;
}

let backend: Promise<GpuBackend> | null = null;

/** The gpu backend in 'webgpu' mode (made once per test file). */
export function setupGpu(): Promise<GpuBackend> {
  backend ??= import('../../src/backends/gpu/index.js').then((m) => m.initGpuBackend({ mode: 'webgpu' }));
  return backend;
}

export function randomInput(rng: Rng, shape: Shape, lo = -1, hi = 1): Float32Array {
  const n = shape.reduce((p, d) => p * d, 1);
  return rng.fillUniform(new Float32Array(n), lo, hi);
}

interface Placed {
  b: Backend<BackendBuffer>;
  ins: { buf: BackendBuffer; shape: Shape; dtype: 'float32' }[];
  outs: { buf: BackendBuffer; shape: Shape; dtype: 'float32' }[];
}

function place(backendName: string, op: string, inputs: readonly Float32Array[], shapes: readonly Shape[], attrs: Attrs, inPlace: boolean): Placed {
  const b = getBackend(backendName) as Backend<BackendBuffer>;
  const kernel = getKernel(backendName, op);
  if (!kernel) throw new Error(`no ${op} kernel on ${backendName}`);
  const ins = inputs.map((d, i) => {
    const buf = b.alloc(d.length, 'float32');
    b.write(buf, d);
    return { buf, shape: shapes[i], dtype: 'float32' as const };
  });
  const outShapes = inPlace ? [] : getOp(op).inferShapes(shapes, attrs);
  const outs = outShapes.map((s) => ({ buf: b.alloc(s.reduce((p, d) => p * d, 1), 'float32'), shape: s, dtype: 'float32' as const }));
  kernel(ins, outs, attrs);
  return { b, ins, outs };
}

/** The op's outputs (or, in place, its inputs after the call) on one backend. */
export async function runOn(backendName: string, op: string, inputs: readonly Float32Array[], shapes: readonly Shape[], attrs: Attrs = {}, inPlace = false): Promise<Float32Array[]> {
  const { b, ins, outs } = place(backendName, op, inputs, shapes, attrs, inPlace);
  try {
    return (await Promise.all((inPlace ? ins : outs).map((t) => b.read(t.buf)))) as Float32Array[];
  } finally {
    for (const t of [...ins, ...outs]) b.free(t.buf);
  }
}

export async function runBoth(op: string, inputs: readonly Float32Array[], shapes: readonly Shape[], attrs: Attrs = {}, inPlace = false) {
  return { ref: await runOn('ref', op, inputs, shapes, attrs, inPlace), gpu: await runOn('gpu', op, inputs, shapes, attrs, inPlace) };
}

/** Fails with the worst element when any |gpu - ref| exceeds allowed(i) (NaN only where ref has NaN). */
export function expectWithin(gpu: Float32Array, ref: Float32Array, allowed: (i: number) => number, what: string): void {
  expect(gpu.length, `${what}: length`).toBe(ref.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < gpu.length; i++) {
    const g = gpu[i], r = ref[i];
    if (Number.isNaN(g) || Number.isNaN(r)) {
      if (Number.isNaN(g) !== Number.isNaN(r)) expect.fail(`${what}: element ${i} is ${g}, expected ${r}`);
      continue;
    }
    if (g === r) continue;
    const excess = Math.abs(g - r) - allowed(i);
    if (excess > worstExcess) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) expect.fail(`${what}: element ${worst} is ${gpu[worst]}, expected ${ref[worst]} (allowed ${allowed(worst)})`);
}

/** Checks an op's result under its entry in GPU_TOLERANCE. */
export function expectTolerated(op: string, gpu: Float32Array, ref: Float32Array, opts: { x?: Float32Array; n?: number; magnitude?: Float32Array } = {}): void {
  const t = GPU_TOLERANCE[op];
  if (!t) throw new Error(`no gpu tolerance for ${op}`);
  const allowed = (i: number): number => {
    if (t.kind === 'custom') return t.bound(opts.x![i], ref[i]);
    return allowance(t, ref[i], { n: opts.n, magnitude: opts.magnitude?.[i] });
  };
  expectWithin(gpu, ref, allowed, op);
}

/** Largest observed error in ulps of the ref value (for the report of what was measured). */
export function maxUlps(gpu: Float32Array, ref: Float32Array): number {
  let m = 0;
  for (let i = 0; i < gpu.length; i++) if (gpu[i] !== ref[i]) m = Math.max(m, Math.abs(gpu[i] - ref[i]) / ulp32(ref[i]));
  return m;
}

export const abs = (a: Float32Array): Float32Array => a.map(Math.abs);

/** Taps reaching the busiest source position along one resize axis (an upper bound: zero weights count). */
export function busiestTaps(taps: { i0: Int32Array; i1: Int32Array }, inSize: number): number {
  const count = new Array<number>(inSize).fill(0);
  for (let d = 0; d < taps.i0.length; d++) {
    count[taps.i0[d]]++;
    count[taps.i1[d]]++;
  }
  return Math.max(...count);
}

/** How a case's tolerance is measured: n roundings, and M from the op on |inputs| or given. */
export interface CheckOpts {
  n?: number;
  magnitudeFrom?: { inputs: Float32Array[]; attrs?: Attrs };
  magnitude?: Float32Array;
}

/** Checks a gpu result (however it was run) against the ref kernel on the same inputs. */
export async function expectMatchesRef(op: string, inputs: Float32Array[], shapes: Shape[], attrs: Attrs, gpu: Float32Array, opts: CheckOpts = {}): Promise<Float32Array> {
  const [ref] = await runOn('ref', op, inputs, shapes, attrs);
  let magnitude = opts.magnitude;
  if (opts.magnitudeFrom) magnitude = (await runOn('ref', op, opts.magnitudeFrom.inputs, shapes, opts.magnitudeFrom.attrs ?? attrs))[0];
  expectTolerated(op, gpu, ref, { x: inputs[0], n: opts.n, magnitude });
  return ref;
}
