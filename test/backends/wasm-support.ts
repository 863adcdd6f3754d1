// Shared by the wasm backend tests: runs one op's kernel on 'ref' (float32 storage) and on
// 'wasm' with the same seeded inputs, and compares with an explicit tolerance.

import { expect } from 'vitest';
import { getBackend, getKernel } from '../../src/backends/registry.js';
import type { Attrs, Backend, BackendBuffer, Shape } from '../../src/backends/types.js';
import { initWasmBackend } from '../../src/backends/wasm/index.js';
import { getOp, Rng } from '../../src/tensor/index.js';
import { buildWasm } from '../../scripts/build-wasm.mjs';

/**
 * Builds the kernels if assembly/ changed (or on a fresh clone), then (re)initialises with
 * `threads`; `fma` picks the fused multiply-add build on first initialisation.
 */
export async function setupWasm(threads = 2, fma?: boolean) {
  await buildWasm({ ifStale: true, quiet: true });
  return initWasmBackend({ threads, ...(fma === undefined ? {} : { fma }) });
}

export function randomInput(rng: Rng, shape: Shape, lo = -1, hi = 1): Float32Array {
  const n = shape.reduce((p, d) => p * d, 1);
  return rng.fillUniform(new Float32Array(n), lo, hi);
}

function runOn(backendName: string, op: string, inputs: readonly Float32Array[], shapes: readonly Shape[], attrs: Attrs, inPlace: boolean): Float32Array[] {
  const b = getBackend(backendName) as Backend<BackendBuffer>;
  const kernel = getKernel(backendName, op);
  if (!kernel) throw new Error(`no ${op} kernel on ${backendName}`);
  const ins = inputs.map((d, i) => {
    const buf = b.alloc(d.length, 'float32');
    b.write(buf, d);
    return { buf, shape: shapes[i], dtype: 'float32' as const };
  });
  const outShapes = inPlace ? [] : getOp(op).inferShapes(shapes, attrs);
  const outs = outShapes.map((s) => {
    const n = s.reduce((p, d) => p * d, 1);
    const buf = b.alloc(n, 'float32');
    b.write(buf, new Float32Array(n).fill(NaN));
    return { buf, shape: s, dtype: 'float32' as const };
  });
  try {
    kernel(ins, outs, attrs);
    const held = inPlace ? ins : outs;
    return held.map((t) => b.readSync!(t.buf) as Float32Array);
  } finally {
    for (const t of [...ins, ...outs]) b.free(t.buf);
  }
}

/** The op's outputs (or, in place, its inputs after the call) on ref and on wasm. */
export function runBoth(op: string, inputs: readonly Float32Array[], shapes: readonly Shape[], attrs: Attrs = {}, inPlace = false) {
  return {
    ref: runOn('ref', op, inputs, shapes, attrs, inPlace),
    wasm: runOn('wasm', op, inputs, shapes, attrs, inPlace),
  };
}

/** Bitwise equality (NaN equals NaN). */
export function expectSameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== e[i] && !(Number.isNaN(actual[i]) && Number.isNaN(expected[i]))) {
      expect.fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]} (bitwise)`);
    }
  }
}

/** |a - e| <= atol + ulps * ulp(e) per element, NaN only where expected; reports the worst element. */
export function expectClose(actual: Float32Array, expected: Float32Array, atol: number, ulps: number, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let worst = -1;
  let excessMax = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i], e = expected[i];
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (Number.isNaN(e) !== Number.isNaN(a)) expect.fail(`${what}: element ${i} is ${a}, expected ${e}`);
      continue;
    }
    if (a === e) continue;
    const ulp = Math.max(2 ** -149, 2 ** (Math.floor(Math.log2(Math.abs(e) || 2 ** -126)) - 23));
    const excess = Math.abs(a - e) - (atol + ulps * ulp);
    if (!(excess <= excessMax)) {
      worst = i;
      excessMax = excess;
    }
  }
  if (worst >= 0) expect.fail(`${what}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (atol ${atol}, ${ulps} ulp)`);
}
