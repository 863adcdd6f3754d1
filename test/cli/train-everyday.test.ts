// train as people run it: checkpoints kept to --keep-last, the last line saying how to use the
// model, nothing created for a bad --data; and bench's table once when stdout is not a terminal.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeImages } from '../resshift/train-fixtures.js';
import { BIN, built, GOLDEN, removeDir, tempDir } from './sr-support.js';

const tmp = tempDir('resshift-train-everyday-');
afterAll(() => removeDir(tmp));
const data = writeImages(join(tmp, 'data'));
const tiny = ['--width', '4', '--crop', '16', '--batch', '2', '--backend', 'wasm', '--threads', '1'];

function run(args: string[], cwd?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000, cwd });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const pair = (n: number) => [`resshift_epoch_${n}.optim.safetensors`, `resshift_epoch_${n}.safetensors`];

describe.skipIf(!built)('train and bench, every day (needs `npm run build`)', () => {
  it('--data that does not exist: exit 2, and no ./checkpoints left behind', () => {
    const cwd = tempDir('resshift-nodata-');
    try {
      const r = run(['train', '--data', join(cwd, 'nope')], cwd);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(/^resshift-ts train: .*nope: no such folder$/m);
      const j = run(['train', '--data', join(cwd, 'nope'), '--json'], cwd);
      expect(j.code).toBe(2);
      expect(j.out.trim().split('\n').map((l) => JSON.parse(l))).toEqual([{ event: 'error', command: 'train', message: `${join(cwd, 'nope')}: no such folder`, exitCode: 2 }]);
      const empty = join(cwd, 'empty');
      mkdirSync(empty);
      expect(run(['train', '--data', empty], cwd).code).toBe(2);
      expect(readdirSync(cwd)).toEqual(['empty']);
    } finally {
      removeDir(cwd);
    }
  });

  it('--keep-last 2 keeps the two newest pairs and files that are not its own; the last line is the upscale command, which works', () => {
    const out = join(tmp, 'ck2');
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    writeFileSync(join(out, 'my-model.safetensors'), 'mine');
    const r = run(['train', '--data', data, '--out', out, ...tiny, '--epochs', '4', '--save-every', '1', '--keep-last', '2']);
    expect(r.code, r.err).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['my-model.safetensors', 'notes.txt', ...pair(3), ...pair(4)]);
    expect(r.out).toMatch(/saved .*resshift_epoch_3\.safetensors \(deleted 1 older checkpoint pair, --keep-last\)/);
    // stderr is a pipe: plain progress lines, one at least at each epoch's end
    const progress = r.err.split('\n').filter((l) => l.startsWith('train: '));
    expect(progress.length).toBeGreaterThanOrEqual(4);
    expect(progress.at(-1)).toMatch(/^train: 8\/8 steps \(100%\), [\d.]+ steps\/s, elapsed \d+s, ETA 0s step 8\/8 loss [\d.]+ lr \S+$/);
    const last = r.out.trim().split('\n').at(-1)!;
    const ck = join(out, 'resshift_epoch_4.safetensors');
    expect(last).toMatch(new RegExp(`; upscale with it: resshift-ts upscale IMAGE --checkpoint ${ck.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    const cmd = last.slice(last.indexOf('resshift-ts upscale ') + 'resshift-ts upscale '.length).split(' ');
    const up = run(['upscale', ...cmd.map((w) => (w === 'IMAGE' ? `${GOLDEN}/lr_16x16.png` : w)), '-o', join(tmp, 'trained.png'), '--steps', '2']);
    expect(up.code, up.err).toBe(0);
    expect(up.out).toMatch(/model .*resshift_epoch_4\.safetensors \(epoch 4, step 8\)$/m);
  });

  it('by default the three newest pairs stay; --keep-last 0 keeps all; a bad value is named', () => {
    const out = join(tmp, 'ck-default');
    const r = run(['train', '--data', data, '--out', out, ...tiny, '--epochs', '5', '--save-every', '1']);
    expect(r.code, r.err).toBe(0);
    expect(readdirSync(out).sort()).toEqual([...pair(3), ...pair(4), ...pair(5)]);
    const all = join(tmp, 'ck-all');
    const j = run(['train', '--data', data, '--out', all, ...tiny, '--epochs', '4', '--save-every', '1', '--keep-last', '0', '--json']);
    expect(j.code, j.err).toBe(0);
    expect(readdirSync(all).filter((n) => !n.includes('optim'))).toHaveLength(4);
    // --json: paced progress events with rate and ETA; the done event carries the upscale command
    const events = j.out.trim().split('\n').map((l) => JSON.parse(l));
    const steps = events.filter((e) => e.event === 'progress' && e.unit === 'steps');
    expect(steps.length).toBeGreaterThanOrEqual(4);
    expect(steps.at(-1)).toMatchObject({ command: 'train', done: 8, total: 8, etaSeconds: 0 });
    expect(events.at(-1)).toMatchObject({ event: 'done', upscaleCommand: `resshift-ts upscale IMAGE --checkpoint ${join(all, 'resshift_epoch_4.safetensors')}` });
    const bad = run(['train', '--data', data, '--out', join(tmp, 'ck-bad'), '--keep-last', '-1']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--keep-last must be a non-negative integer, got -1/);
    expect(existsSync(join(tmp, 'ck-bad'))).toBe(false);
  });

  it('bench prints its table once when stdout is not a terminal (rows as they finish go to stderr)', () => {
    const r = run(['bench', '--only', 'matmul-1024', '--backend', 'ref', '--scale', '0.03', '--iterations', '1']);
    expect(r.code, r.err).toBe(0);
    const header = /^name +backend +thr +median ms/;
    expect(r.out.split('\n').filter((l) => header.test(l))).toHaveLength(1);
    expect(r.out.split('\n').filter((l) => l.startsWith('matmul-1024'))).toHaveLength(1);
    expect(r.err.split('\n').filter((l) => header.test(l))).toHaveLength(1);
  });

  it('bench --json: a refusal is an error event on stdout too, exit 2', () => {
    const r = run(['bench', '--only', 'no-such-case', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out.trim())).toMatchObject({ event: 'error', command: 'bench', exitCode: 2, message: expect.stringMatching(/^unknown case no-such-case/) });
    expect(r.err).toMatch(/^resshift-ts: unknown case no-such-case/);
  });
});
