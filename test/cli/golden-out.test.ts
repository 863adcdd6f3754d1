import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parseGoldenCase } from '../../src/golden/index.js';
import { serializeSafetensors } from '../../src/nn/safetensors.js';
import { GOLDEN_DIR } from '../golden/support.js';
import { built, removeDir, tempDir } from './sr-support.js';

// `golden --out`: hostile output folders and hostile case names (the CLI runs from dist/).
const tmp = tempDir('resshift-golden-out-');
afterAll(() => removeDir(tmp));
const RELU = `${GOLDEN_DIR}/relu.safetensors`;

function golden(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/resshift-ts.js', 'golden', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe.skipIf(!built)('resshift-ts golden --out (needs `npm run build`)', () => {
  test('an --out that reaches the case file through a link is refused; the PyTorch reference stays', () => {
    const cases = join(tmp, 'cases');
    mkdirSync(cases);
    copyFileSync(RELU, join(cases, 'relu.safetensors'));
    symlinkSync(cases, join(tmp, 'same')); // a second name for the case folder
    const r = golden(join(cases, 'relu.safetensors'), '--out', join(tmp, 'same'));
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(/^resshift-ts golden: --out would overwrite the case file itself: .*cases\/relu\.safetensors\n$/);
    // a case file that is a link to the file --out would write
    const out = join(tmp, 'out');
    mkdirSync(out);
    copyFileSync(RELU, join(out, 'relu.safetensors'));
    const linked = join(tmp, 'linked-cases');
    mkdirSync(linked);
    symlinkSync(join(out, 'relu.safetensors'), join(linked, 'relu.safetensors'));
    expect(golden(join(linked, 'relu.safetensors'), '--out', out).code).toBe(2);
    for (const f of [join(cases, 'relu.safetensors'), join(out, 'relu.safetensors')]) expect(readFileSync(f)).toEqual(readFileSync(RELU));
  });

  test.skipIf(process.platform !== 'linux')('--out under /proc: exit 2 with a clear line, not an endless loop', () => {
    const r = golden(RELU, '--out', '/proc/x');
    expect(r.code, r.err).toBe(2);
    expect(r.err).toBe('resshift-ts golden: /proc/x: cannot create the folder (the file system does not allow new folders there)\n');
  });

  test('case names and ops from the file are printed escaped, text and JSON', () => {
    const gc = parseGoldenCase(readFileSync(RELU));
    const evil = join(tmp, 'evil\x1b[2J.safetensors');
    const tensors = [...gc.tensors].map(([n, t]) => [n, { shape: t.shape, data: t.data }] as [string, { shape: number[]; data: Float32Array }]);
    writeFileSync(evil, serializeSafetensors(tensors, { ...gc.metadata, case: 'relu\x1b]0;owned\x07\x9b31m' }));
    const text = golden(evil);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toMatch(/^PASS\s+relu\\x1b\]0;owned\\x07\\x9b31m\s+relu\s/m);
    const json = golden(evil, '--json');
    expect(JSON.parse(json.out).cases[0].case).toBe('relu\x1b]0;owned\x07\x9b31m');
    for (const s of [text.out, json.out]) expect(s).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
    expect(existsSync(evil)).toBe(true);
  });
});
