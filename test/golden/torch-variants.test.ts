import { readdirSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import { casePassed, checkGoldenCase, parseGoldenCase, runGoldenCase } from '../../src/golden/index.js';
import { expectRunsOnGpu, HOST_ONLY_GOLDEN_OPS, TEST_BACKENDS } from '../support/backends.js';

// A second PyTorch-made set (test/golden/torch-variants/gen_variants.py) with other shapes,
// strides, scale factors, schedule lengths, optimizer sizes and a non-square batch-2 model of
// width 4: the runner must read every case's arguments, not the public set's.
const DIR = 'test/golden/torch-variants/cases';

const files = readdirSync(DIR).filter((f) => f.endsWith('.safetensors')).sort();
test('the variant set is there', () => expect(files.length).toBe(43));

for (const backend of TEST_BACKENDS) describe(`PyTorch variant cases on ${backend.name}`, () => {
  let skip: string | null = null;
  beforeAll(async () => {
    skip = await backend.setup();
  }, 60_000);
  for (const file of files) {
    test(file, async (ctx) => {
      if (skip) ctx.skip(skip);
      const gc = parseGoldenCase(readFileSync(`${DIR}/${file}`));
      const r = await expectRunsOnGpu(backend, () => runGoldenCase(gc, { backend: backend.name }), HOST_ONLY_GOLDEN_OPS.includes(gc.op));
      expect(r.status, r.reason).toBe('ok');
      const checks = checkGoldenCase(gc.tensors, r.outputs, gc.op);
      expect(checks.filter((c) => !c.pass).map((c) => `${c.name} ${c.maxAbs} > ${c.allowed}`)).toEqual([]);
      expect(casePassed(checks)).toBe(true);
    });
  }
});
