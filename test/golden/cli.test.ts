import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parseGoldenCase } from '../../src/golden/index.js';
import { serializeSafetensors } from '../../src/nn/safetensors.js';
import { GOLDEN_DIR, makeCase } from './support.js';

// The CLI runs from dist/ (npm run build); building it is not this test's job.
const built = existsSync('dist/cli/main.js');
const tmp = mkdtempSync(join(tmpdir(), 'resshift-golden-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/resshift-ts.js', 'golden', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe.skipIf(!built)('resshift-ts golden (needs `npm run build`; skipped when dist/cli/main.js is missing)', () => {
  test('one case with --check --out: PASS, exit 0, outputs written under the same names', () => {
    const out = join(tmp, 'out');
    const r = cli(`${GOLDEN_DIR}/relu.safetensors`, '--check', '--out', out);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^PASS\s+relu\s+relu\s/m);
    expect(r.out).toMatch(/1 cases on ref: 1 passed, 0 failed, 0 unsupported, 0 errors/);
    const written = parseGoldenCase(readFileSync(join(out, 'relu.safetensors')));
    expect([...written.tensors.keys()].sort()).toEqual(['grad.input', 'output']);
    expect(written.op).toBe('relu');
  });

  test('the whole public folder passes --check, the model included', () => {
    const r = cli(GOLDEN_DIR, '--check', '--json');
    expect(r.code, r.err).toBe(0);
    const rep = JSON.parse(r.out);
    expect(rep.summary).toMatchObject({ failed: 0, errors: 0, unsupported: 0 });
    expect(rep.cases.find((c: { op: string }) => c.op === 'dual_domain_unet').verdict).toBe('PASS');
  });

  test('--fma: the public folder passes on the fused multiply-add build (the CLI enables relaxed SIMD itself)', () => {
    const r = cli(GOLDEN_DIR, '--backend', 'wasm', '--fma', '--check', '--json');
    expect(r.code, r.err).toBe(0);
    const rep = JSON.parse(r.out);
    expect(rep.summary).toMatchObject({ failed: 0, errors: 0, unsupported: 0 });
    expect(rep.cases.find((c: { op: string }) => c.op === 'dual_domain_unet').verdict).toBe('PASS');
  });

  test('--fma on another backend than wasm: exit 2, nothing computed', () => {
    const r = cli(GOLDEN_DIR, '--backend', 'ref', '--fma', '--check');
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe("resshift-ts golden: --fma applies to the wasm backend only, not --backend ref");
    expect(r.out).toBe('');
  });

  test('a corrupt file or a missing path: exit 2 and a one-line error', () => {
    const bad = join(tmp, 'corrupt.safetensors');
    writeFileSync(bad, readFileSync(`${GOLDEN_DIR}/relu.safetensors`).subarray(0, 200));
    for (const r of [cli(bad, '--check'), cli(join(tmp, 'missing.safetensors'))]) {
      expect(r.code).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(/^resshift-ts golden: /);
      expect(r.out).toBe('');
    }
    // with --json the same refusal is also an error event on stdout
    const j = cli(join(tmp, 'missing.safetensors'), '--json');
    expect(j.code).toBe(2);
    expect(JSON.parse(j.out.trim())).toMatchObject({ event: 'error', command: 'golden', exitCode: 2 });
  });

  test('a failing case makes --check exit 1 (and only with --check)', () => {
    const gc = parseGoldenCase(readFileSync(`${GOLDEN_DIR}/relu.safetensors`));
    const tensors = [...gc.tensors].map(([n, t]) => [n, { shape: t.shape, data: n === 'output' ? t.data.map((v) => v + 1) : t.data }] as [string, { shape: number[]; data: Float32Array }]);
    const f = join(tmp, 'relu_tampered.safetensors');
    writeFileSync(f, serializeSafetensors(tensors, gc.metadata));
    const r = cli(f, '--check');
    expect(r.out).toMatch(/^FAIL\s+relu\s+relu\s+output /m);
    expect(r.code).toBe(1);
    expect(cli(f).code).toBe(0);
  });

  test('--check: an expected +Inf does not make every output pass; a folder where nothing is checked fails', () => {
    const gc = parseGoldenCase(readFileSync(`${GOLDEN_DIR}/relu.safetensors`));
    const inf = [...gc.tensors].map(([n, t]) => [n, { shape: t.shape, data: n === 'output' ? t.data.map((v, i) => (i === 0 ? Infinity : v)) : t.data }] as [string, { shape: number[]; data: Float32Array }]);
    const f = join(tmp, 'relu_inf.safetensors');
    writeFileSync(f, serializeSafetensors(inf, gc.metadata));
    const r = cli(f, '--check');
    expect(r.out).toMatch(/^FAIL\s+relu\s+relu\s+output /m);
    expect(r.code).toBe(1);

    const dir = join(tmp, 'all-unsupported');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.safetensors'), makeCase('no_such_op', {}, { x: { shape: [1], data: [1] } }, 'a'));
    writeFileSync(join(dir, 'b.safetensors'), makeCase('interpolate', { mode: 'nearest', size: [2, 2] }, { input: { shape: [1, 1, 1, 1], data: [1] }, output: { shape: [1, 1, 2, 2], data: [1, 1, 1, 1] } }, 'b'));
    const none = cli(dir, '--check');
    expect(none.out).toMatch(/2 cases on ref: 0 passed, 0 failed, 2 unsupported, 0 errors/);
    expect(none.err.trim()).toBe('resshift-ts golden: --check: nothing was checked (2 unsupported, 0 errors of 2 cases)');
    expect(none.code).toBe(1);
    expect(cli(dir).code).toBe(0);
  });
});
