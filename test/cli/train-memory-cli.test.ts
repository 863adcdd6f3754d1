import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSafetensors } from '../../src/nn/safetensors.js';
import { tempDir, writeImages } from '../resshift/train-fixtures.js';

const built = existsSync('dist/cli/main.js');
const tmp = tempDir('train-memory-cli');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const data = writeImages(join(tmp, 'data'));

function train(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/resshift-ts.js', 'train', '--data', data, '--backend', 'wasm', '--threads', '1', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe.skipIf(!built)('train: memory checked before the data is decoded (needs `npm run build`)', () => {
  it('refuses a micro-batch that cannot fit, naming one that does', () => {
    const out = join(tmp, 'big');
    // width 64 at crop 256: about 1.1 GB an item, so 8 at once exceed WASM's 4 GiB
    const r = train('--width', '64', '--crop', '256', '--batch', '8', '--micro-batch', '8', '--out', out, '--steps', '1');
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(/^resshift-ts train: a step of 8 item\(s\) at width 64, crop 256 needs about [\d.]+ GiB, above the [\d.]+ GiB this wasm backend can use; --micro-batch [12] fits\n$/);
    expect(r.err).not.toMatch(/decode|data:/);
    expect(readdirSync(out).filter((f) => f.endsWith('.safetensors'))).toEqual([]);
  });

  it('refuses a configuration where not even one item fits', () => {
    const r = train('--width', '512', '--crop', '1024', '--batch', '1', '--out', join(tmp, 'huge'), '--steps', '1');
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(/one item at width 512, crop 1024 needs about [\d.]+ GiB.*use a smaller --crop or --width/);
  });

  it('picks the whole batch when it fits, stores it, and says so', () => {
    const out = join(tmp, 'fits');
    const r = train('--width', '4', '--crop', '16', '--batch', '2', '--out', out, '--steps', '1', '--eval-every', '0');
    expect(r.code, r.err).toBe(0);
    const ck = readdirSync(out).find((f) => /^resshift_epoch_\d+(_step_\d+)?\.safetensors$/.test(f))!;
    const meta = parseSafetensors(readFileSync(join(out, ck))).metadata;
    expect(JSON.parse(meta.train).config.microBatch).toBe(2);
  });

  it('--micro-batch 1 trains in passes of one item and is stored for the resume', () => {
    const out = join(tmp, 'micro');
    const r = train('--width', '4', '--crop', '16', '--batch', '2', '--micro-batch', '1', '--out', out, '--steps', '1', '--eval-every', '0');
    expect(r.code, r.err).toBe(0);
    expect(r.out + r.err).toMatch(/batch 2 \(micro-batches of 1\)/);
  });
});
