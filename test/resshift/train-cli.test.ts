import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSafetensors, serializeSafetensors } from '../../src/nn/safetensors.js';
import { selectBackend } from '../../src/cli/common.js';
import { ImageSet } from '../../src/resshift/data.js';
import { Trainer, TRAIN_DEFAULTS } from '../../src/resshift/trainer.js';
import { tempDir, tensorBytes, tinyConfig, writeImages } from './train-fixtures.js';

// The CLI runs from dist/ (npm run build); building it is not this test's job.
const built = existsSync('dist/cli/main.js');
const tmp = tempDir('train-cli');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const data = writeImages(join(tmp, 'data'));
// wasm on one thread: no JIT warm-up of the reference kernels in every child process
const tiny = ['--width', '4', '--crop', '16', '--batch', '2', '--backend', 'wasm', '--threads', '1'];

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/resshift-ts.js', 'train', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Exit 2 with exactly one error line on stderr (besides warnings) matching `msg`. */
function expectInputError(args: string[], msg: RegExp): void {
  const r = cli(...args);
  expect(r.code, r.err).toBe(2);
  const lines = r.err.trim().split('\n').filter((l) => !l.startsWith('warning: '));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^resshift-ts train: /);
  expect(lines[0]).toMatch(msg);
}

describe.skipIf(!built)('resshift-ts train (needs `npm run build`; skipped when dist/cli/main.js is missing)', () => {
  it('bad input: one line, exit 2, nothing written', () => {
    const out = join(tmp, 'out-bad');
    expectInputError(['--data', join(tmp, 'nope'), '--out', out], /nope: no such folder/);
    mkdirSync(join(tmp, 'empty'));
    expectInputError(['--data', join(tmp, 'empty'), '--out', out], /no PNG, JPEG or WebP images in .*empty/);
    const corrupt = writeImages(join(tmp, 'corrupt'), [[16, 16]]);
    writeFileSync(join(corrupt, 'broken.png'), Buffer.from('\x89PNG\r\n\x1a\n but then garbage'));
    expectInputError(['--data', corrupt, '--out', out, ...tiny], /broken\.png/);
    writeFileSync(join(tmp, 'a-file'), 'x');
    expectInputError(['--data', data, '--out', join(tmp, 'a-file'), ...tiny], /cannot write checkpoints to .*a-file/);
    expectInputError(['--data', data, '--out', out, '--crop', '20'], /--crop must be a multiple of 8 .*got 20/);
    writeFileSync(join(tmp, 'junk.safetensors'), 'not a checkpoint at all');
    expectInputError(['--data', data, '--out', out, '--resume', join(tmp, 'junk.safetensors')], /junk\.safetensors: not a safetensors file/);
    expect(existsSync(out) ? readdirSync(out).filter((n) => n.endsWith('.safetensors')) : []).toEqual([]);
  });

  it('absurd numbers name their flag and range; an --out the file system refuses is named: exit 2, nothing written', () => {
    const out = join(tmp, 'out-absurd');
    for (const [flag, msg] of [
      ['--width', /--width must be an integer from 1 to 512, got 1e308/],
      ['--crop', /--crop must be an integer from 8 to 1024, got 1e308/],
      ['--batch', /--batch must be an integer from 1 to 256, got 1e308/],
      ['--steps', /--steps must be an integer from 1 to 1000000000, got 1e308/],
      ['--epochs', /--epochs must be an integer from 1 to 1000000000, got 1e308/],
      ['--lr', /--lr must be a number above 0 and at most 1, got 1e308/],
      ['--threads', /--threads must be an integer from 1 to \d+ \(twice this machine's \d+ cores/],
    ] as const) expectInputError(['--data', data, '--out', out, flag, '1e308'], msg);
    expect(existsSync(out)).toBe(false);
    if (process.platform === 'linux') expectInputError(['--data', data, '--out', '/proc/x'], /cannot write checkpoints to \/proc\/x: cannot create the folder \(the file system does not allow new folders there\)/);
  });

  it('NaN loss: exit 1 naming the step, the last good checkpoint kept; then a damaged checkpoint is named', () => {
    const out = join(tmp, 'out-nan');
    const first = cli('--data', data, '--out', out, ...tiny, '--batch', '8', '--epochs', '1');
    expect(first.code, first.err).toBe(0);
    // one finite but absurd weight (--lr is capped at 1, so a huge rate cannot do it): the next step's loss overflows
    const epoch1 = join(out, 'resshift_epoch_1.safetensors');
    const saved = parseSafetensors(readFileSync(epoch1));
    (saved.tensors.get('inc.conv.0.weight')!.data as Float32Array)[0] = 1e38;
    writeFileSync(epoch1, serializeSafetensors([...saved.tensors].map(([n, t]) => [n, { shape: t.shape, data: t.data }]), saved.metadata));
    const r = cli('--data', data, '--out', out, ...tiny, '--batch', '8', '--epochs', '3');
    expect(r.code, r.err).toBe(1);
    expect(r.err).toMatch(/resshift-ts train: loss is (NaN|Infinity|-Infinity) at step 2 \(epoch 2, batch 1: .*\); stopped, last good checkpoint .*resshift_epoch_1\.safetensors/);
    const good = join(out, 'resshift_epoch_1.safetensors');
    expect(existsSync(good)).toBe(true);
    expect(existsSync(join(out, 'resshift_epoch_2.safetensors'))).toBe(false);

    // the same checkpoint without one tensor
    const bad = join(tmp, 'bad-ck');
    mkdirSync(bad);
    const { tensors, metadata } = parseSafetensors(readFileSync(good));
    tensors.delete('outc.bias');
    writeFileSync(join(bad, 'resshift_epoch_1.safetensors'), serializeSafetensors([...tensors].map(([n, t]) => [n, { shape: t.shape, data: t.data }]), metadata));
    copyFileSync(join(out, 'resshift_epoch_1.optim.safetensors'), join(bad, 'resshift_epoch_1.optim.safetensors'));
    expectInputError(['--data', data, '--out', bad, ...tiny, '--batch', '8'], /resshift_epoch_1\.safetensors: state dict does not fit the model: missing outc\.bias/);
  });

  it('SIGINT saves the current step and exits 130; the same command resumes to the uninterrupted result', async () => {
    const out = join(tmp, 'out-int');
    const args = ['bin/resshift-ts.js', 'train', '--data', data, '--out', out, ...tiny, '--steps', '4', '--json'];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (!child.killed && /"event":"step"/.test(stdout)) child.kill('SIGINT');
      });
      child.on('exit', (c) => resolve(c));
    });
    expect(code).toBe(130);
    const last = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(last).toMatchObject({ event: 'interrupted', status: 'interrupted' });
    expect(last.step).toBeGreaterThanOrEqual(1);
    expect(last.step).toBeLessThan(4);
    expect(existsSync(last.checkpoint)).toBe(true);
    expect(existsSync(join(out, '.resshift-train.lock'))).toBe(false);

    const again = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 60_000 });
    expect(again.status, again.stderr).toBe(0);
    const lines = again.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.find((l) => l.event === 'start')).toMatchObject({ resume: last.checkpoint, step: last.step });
    const done = lines.pop();
    expect(done).toMatchObject({ event: 'done', step: 4, checkpoint: join(out, 'resshift_epoch_2.safetensors') });

    // the same run in-process, never interrupted
    await selectBackend('wasm', { threads: 1 });
    const ref = join(tmp, 'out-ref');
    const trainer = await Trainer.create({ config: tinyConfig({ epochs: 2, steps: 4, evalEvery: TRAIN_DEFAULTS.evalEvery, microBatch: 2 /* what the CLI picks: the whole batch fits */ }), train: await ImageSet.load(data, { crop: 16 }), out: ref });
    await trainer.run();
    trainer.dispose();
    for (const f of ['resshift_epoch_2.safetensors', 'resshift_epoch_2.optim.safetensors']) {
      const [a, b] = [tensorBytes(join(ref, f)), tensorBytes(join(out, f))];
      for (const [n, bytes] of a.tensors) expect(b.tensors.get(n)?.equals(bytes), n).toBe(true);
      expect(b.metadata).toEqual(a.metadata);
    }
  });

  it('one train per --out: a second is refused naming the first; a killed run\'s lock and temporary files are cleaned up', async () => {
    const out = join(tmp, 'out-lock');
    const args = ['bin/resshift-ts.js', 'train', '--data', data, '--out', out, ...tiny, '--steps', '100000', '--json'];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    await new Promise<void>((resolve) => {
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (/"event":"step"/.test(stdout)) resolve();
      });
    });
    expectInputError(['--data', data, '--out', out, ...tiny, '--steps', '1'], new RegExp(`${out.replace(/[.]/g, '\\.')} is in use by another train process \\(pid ${child.pid} on .*, started .*\\); wait for it to end or use another --out$`));

    // killed: its lock and any temporary file it was writing stay behind
    child.kill('SIGKILL');
    await exited;
    expect(JSON.parse(readFileSync(join(out, '.resshift-train.lock'), 'utf8')).pid).toBe(child.pid);
    const temp = `.resshift_epoch_9.safetensors.${child.pid}.0123abcd.tmp`;
    writeFileSync(join(out, temp), Buffer.alloc(1000));
    const r = cli('--data', data, '--out', out, ...tiny, '--steps', '1');
    expect(r.code, r.err).toBe(0);
    // ours, and any the kill interrupted (a checkpoint is written every second step)
    expect(r.err).toMatch(/warning: removed [1-3] temporary file\(s\) left in .* by killed runs/);
    expect(readdirSync(out).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('hostile diffusion settings in a checkpoint are refused up front', () => {
    const src = join(tmp, 'out-int', 'resshift_epoch_2.safetensors');
    const { tensors, metadata } = parseSafetensors(readFileSync(src));
    const list = [...tensors].map(([n, t]) => [n, { shape: t.shape, data: t.data }] as [string, { shape: number[]; data: Float32Array | Float64Array }]);
    for (const [name, over, msg] of [
      ['kappa', { kappa: 1e30 }, /diffusion\.kappa must be in \(0, 100\], got 1e\+30/],
      ['T', { T: 1e9 }, /diffusion\.T must be an integer in 2\.\.10000, got 1000000000/],
    ] as const) {
      const dir = join(tmp, `hostile-${name}`);
      mkdirSync(dir);
      const diffusion = JSON.stringify({ ...JSON.parse(metadata.diffusion), ...over });
      writeFileSync(join(dir, 'resshift_epoch_2.safetensors'), serializeSafetensors(list, { ...metadata, diffusion }));
      expectInputError(['--data', data, '--out', dir, ...tiny, '--steps', '6'], msg);
      // the same settings inside the stored training config only
      const train = JSON.parse(metadata.train);
      train.config.diffusion = { ...train.config.diffusion, ...over };
      writeFileSync(join(dir, 'resshift_epoch_2.safetensors'), serializeSafetensors(list, { ...metadata, train: JSON.stringify(train) }));
      expectInputError(['--data', data, '--out', dir, ...tiny, '--steps', '6'], new RegExp(`resshift_epoch_2\\.safetensors: stored training settings are invalid \\(${msg.source}\\)`));
    }
  });

  it('--help lists the options and the exit codes', () => {
    const r = spawnSync(process.execPath, ['bin/resshift-ts.js', 'train', '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    for (const o of ['--data', '--valid', '--width', '--crop', '--batch', '--epochs', '--steps', '--lr', '--seed', '--out', '--resume', '--eval-every', '--save-every', '--backend', '--threads', '--json']) expect(r.stdout).toContain(o);
    expect(r.stdout).toMatch(/130 interrupted/);
  });
});
