import { beforeAll, describe, expect, test } from 'vitest';
import { casePassed, checkGoldenCase, handlerFor, runGoldenCase, type GoldenCase } from '../../src/golden/index.js';
import { liveBuffers } from '../support/engine.js';
import { expectRunsOnGpu, HOST_ONLY_GOLDEN_OPS, TEST_BACKENDS } from '../support/backends.js';
import { publicCaseFiles, readCase } from './support.js';

// Every public PyTorch case through the runner on every backend, the whole model included. One
// tolerance table (src/golden/tolerance.ts) holds for ref, wasm, the asynchronous stand-in and the
// gpu: they all compute in float32 storage, and the table's bounds come from float32-vs-float64
// error. The gpu differs from ref per op by at most its table's bounds (src/backends/gpu/
// tolerance.ts: a few float32 ulps for library functions, Higham's gamma_n for sums and products,
// i.e. ~1e-7..1e-5 relative to the summed magnitudes), well inside single ops' 1e-4 relative;
// on the gpu every case must also have dispatched GPU.js WebGPUKernel kernels (expectRunsOnGpu).

const files = publicCaseFiles();

test('the shared set is there', () => {
  expect(files.length).toBeGreaterThanOrEqual(42);
});

for (const backend of TEST_BACKENDS) {
  describe(`public golden cases on ${backend.name}`, () => {
    let skip: string | null = null;
    beforeAll(async () => {
      skip = await backend.setup();
    }, 60_000);
    for (const file of files) {
      test(file, async (ctx) => {
        if (skip) ctx.skip(skip);
        const gc = readCase(file);
        const r = await expectRunsOnGpu(backend, () => runGoldenCase(gc, { backend: backend.name }), HOST_ONLY_GOLDEN_OPS.includes(gc.op));
        expect(r.status, r.reason).toBe('ok');
        const checks = checkGoldenCase(gc.tensors, r.outputs, gc.op);
        const failed = checks.filter((c) => !c.pass).map((c) => `${c.name} ${c.maxAbs} > ${c.allowed}: ${c.reason}`);
        expect(failed).toEqual([]);
        expect(casePassed(checks)).toBe(true);
      });
    }
  });
}

describe('public golden cases: runner properties (ref)', () => {
  // Expected tensors are never inputs: poisoning them with NaN must not change a single output bit.
  test('outputs do not depend on the expected tensors', async () => {
    for (const file of files) {
      const gc = readCase(file);
      const h = handlerFor(gc.op)!;
      const poisoned: GoldenCase = {
        ...gc,
        tensors: new Map([...gc.tensors].map(([n, t]) => [n, h.isGiven(n, gc.op) ? t : { shape: t.shape, data: new Float32Array(t.data.length).fill(NaN) }])),
      };
      const a = await runGoldenCase(gc);
      const b = await runGoldenCase(poisoned);
      expect(b.status, file).toBe('ok');
      expect([...b.outputs.keys()]).toEqual([...a.outputs.keys()]);
      for (const [n, t] of a.outputs) expect(Buffer.from(b.outputs.get(n)!.data.buffer).equals(Buffer.from(t.data.buffer)), `${file} ${n}`).toBe(true);
    }
  });

  test('running every case leaves no engine buffer behind', async () => {
    const cases = files.map(readCase);
    for (const gc of cases) await runGoldenCase(gc); // warms caches (DCT bases)
    const before = liveBuffers();
    for (const gc of cases) await runGoldenCase(gc);
    expect(liveBuffers()).toBe(before);
  });
});
