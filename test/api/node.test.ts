import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/api/index.js';
import { evaluateFolder, trainModel } from '../../src/node/index.js';
import { tempDir, tensorBytes, writeImages } from '../resshift/train-fixtures.js';
import { tinyCheckpoint } from './support.js';
import { event } from '../cli/sr-support.js';

// resshift-ts/node: training and evaluation from code give what the command line gives.

const built = existsSync('dist/cli/main.js');
const tmp = tempDir('api-node');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const data = writeImages(join(tmp, 'data'));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/resshift-ts.js', ...args], { encoding: 'utf8', timeout: 120_000 });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

const tiny = { width: 4, crop: 16, batch: 2, backend: 'wasm', threads: 1 } as const;

describe.skipIf(!built)('resshift-ts/node (compared with the built CLI; needs npm run build)', () => {
  it('trainModel trains as `resshift-ts train` does, bit for bit, and an aborted run resumes to the same result', async () => {
    cli('train', '--data', data, '--out', join(tmp, 'cli'), '--width', '4', '--crop', '16', '--batch', '2', '--steps', '3', '--backend', 'wasm', '--threads', '1', '--json');
    const events: string[] = [];
    const r = await trainModel({ data, out: join(tmp, 'api'), ...tiny, steps: 3, onEvent: (e) => events.push(e.type) });
    expect(r).toMatchObject({ status: 'done', step: 3, backend: 'wasm', resumedFrom: null, checkpoint: join(tmp, 'api', 'resshift_epoch_1_step_3.safetensors') });
    expect(events.filter((e) => e === 'step')).toHaveLength(3);
    const fromCli = tensorBytes(join(tmp, 'cli', 'resshift_epoch_1_step_3.safetensors'));
    const fromApi = tensorBytes(r.checkpoint!);
    expect(fromApi.tensors).toEqual(fromCli.tensors);
    expect(fromApi.metadata).toEqual(fromCli.metadata);

    // abort after the first step: a checkpoint of that step, then the same call continues it
    const out = join(tmp, 'api-int');
    const ac = new AbortController();
    const first = await trainModel({ data, out, ...tiny, steps: 3, signal: ac.signal, onEvent: (e) => e.type === 'step' && ac.abort() });
    expect(first).toMatchObject({ status: 'interrupted', step: 1 });
    const rest = await trainModel({ data, out, ...tiny, steps: 3 });
    expect(rest).toMatchObject({ status: 'done', step: 3, resumedFrom: first.checkpoint });
    expect(tensorBytes(rest.checkpoint!).tensors).toEqual(fromCli.tensors);

    await expect(trainModel({ data, out, ...tiny, steps: 4, resume: false })).rejects.toThrow(`trainModel: ${out} already holds a run (${rest.checkpoint}); pass another out for a new run, or resume: true`);
    await expect(trainModel({ data, out: join(tmp, 'x'), ...tiny, crop: 20 })).rejects.toThrow(/crop must be a multiple of 8/);
    await expect(trainModel({ data: join(tmp, 'nope'), out: join(tmp, 'y') })).rejects.toThrow(/nope: no such folder/);
  });

  it('evaluateFolder scores as `resshift-ts eval` does, and writes the comparisons', async () => {
    const hr = writeImages(join(tmp, 'hr'), [[20, 16], [16, 16]], 3);
    const ck = join(tmp, 'tiny.safetensors');
    writeFileSync(ck, tinyCheckpoint());
    const fromCli = event(cli('eval', '--data', hr, '--checkpoint', ck, '--steps', '2', '--backend', 'wasm', '--json'), 'done');
    const model = await loadModel({ path: ck });
    const out = join(tmp, 'compare');
    const r = await evaluateFolder(model, hr, { steps: 2, backend: 'wasm', out });
    model.dispose();
    // the CLI writes non-finite numbers as null
    expect(JSON.parse(JSON.stringify({ images: r.images, mean: r.mean }, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)))).toEqual({ images: fromCli.images, mean: fromCli.mean });
    expect(r.written).toEqual([join(out, 'im0_compare.png'), join(out, 'im1_compare.png')]);
    expect(r.written.every((p) => existsSync(p))).toBe(true);
    mkdirSync(join(tmp, 'empty'));
    await expect(evaluateFolder(await loadModel({ path: ck }), join(tmp, 'empty'))).rejects.toThrow(/no PNG, JPEG or WebP images/);
  });
});
