import { readdirSync, readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { checkGoldenCase, handlerFor, parseGoldenCase, runGoldenCase, type GoldenCase, type HostTensor, type TensorCheck } from '../../src/golden/index.js';
import { serializeSafetensors } from '../../src/nn/safetensors.js';
import { expectRunsOnGpu, HOST_ONLY_GOLDEN_OPS, TEST_BACKENDS, type TestBackend } from '../support/backends.js';

export const GOLDEN_DIR = '../shared/golden/torch';

export function publicCaseFiles(): string[] {
  return readdirSync(GOLDEN_DIR)
    .filter((f) => f.endsWith('.safetensors'))
    .sort();
}

export function readCase(file: string): GoldenCase {
  return parseGoldenCase(readFileSync(`${GOLDEN_DIR}/${file}`));
}

/** A case file in the shared format: F32 tensors, op/args/case metadata. */
export function makeCase(op: string, args: object, tensors: Record<string, { shape: number[]; data: ArrayLike<number> }>, name = op): Uint8Array {
  const list = Object.entries(tensors).map(([n, t]) => [n, { shape: t.shape, data: Float32Array.from(t.data) }] as [string, { shape: number[]; data: Float32Array }]);
  return serializeSafetensors(list, { op, args: JSON.stringify(args), case: name });
}

/** Runs a case and returns its checks; every expected tensor of the case must have been compared. */
export async function runAndCheck(bytes: Uint8Array, backend: TestBackend = TEST_BACKENDS[0]): Promise<TensorCheck[]> {
  const gc = parseGoldenCase(bytes);
  const r = await expectRunsOnGpu(backend, () => runGoldenCase(gc, { backend: backend.name }), HOST_ONLY_GOLDEN_OPS.includes(gc.op));
  expect(r.status, `${backend.name}: ${r.reason}`).toBe('ok');
  const checks = checkGoldenCase(gc.tensors, r.outputs, gc.op);
  const h = handlerFor(gc.op)!;
  const expected = [...gc.tensors.keys()].filter((n) => !h.isGiven(n, gc.op) && !h.isOptional?.(n, gc.op));
  expect(checks.map((c) => c.name).sort()).toEqual(expect.arrayContaining(expected.sort()));
  return checks;
}

const ready = new Map<string, Promise<string | null>>();

/**
 * Passes on every test backend that can run here (set up once per file); a backend that cannot
 * is left out here, and public.test.ts reports why it skips.
 */
export async function expectPasses(bytes: Uint8Array): Promise<void> {
  for (const backend of TEST_BACKENDS) {
    if (!ready.has(backend.name)) ready.set(backend.name, backend.setup());
    if (await ready.get(backend.name)) continue;
    const checks = await runAndCheck(bytes, backend);
    const bad = checks.filter((c) => !c.pass).map((c) => `${backend.name} ${c.name}: ${c.maxAbs} > ${c.allowed} (${c.reason})`);
    expect(bad).toEqual([]);
  }
}

export async function statusOf(bytes: Uint8Array): Promise<{ status: string; reason?: string }> {
  const r = await runGoldenCase(bytes, { backend: 'ref' });
  return { status: r.status, reason: r.reason };
}

export function host(shape: number[], data: ArrayLike<number>): HostTensor {
  return { shape, data: Float32Array.from(data) };
}
