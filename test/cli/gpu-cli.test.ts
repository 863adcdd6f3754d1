// `--backend gpu` on the commands, in Node on WebGPU (Dawn on SwiftShader): train, upscale and
// eval run to exit 0 on tiny inputs and agree with wasm; without GPU.js or webgpu, or with a
// --gpu-mode that cannot run here, a command says what to do in one line and exits 2.

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { encode } from 'fast-png';
import { afterAll, describe, expect, test } from 'vitest';
import { readImageFile } from '../../src/image/files.js';
import { toRgb8 } from '../../src/image/quantize.js';
import { gpuSkipReason } from '../backends/gpu-support.js';
import { writeImages } from '../resshift/train-fixtures.js';
import { BIN, built, GOLDEN, removeDir, tempDir, writeTinyCheckpoint } from './sr-support.js';

const reason = built ? gpuSkipReason() : 'dist/ is not built (npm run build)';
const tmp = tempDir('resshift-gpu-cli-');
afterAll(() => removeDir(tmp));

/** What a gpu run says on stderr: the device and the GPU.js kernel class that does the work. */
const RUNS_ON = /^resshift-ts: backend gpu runs on webgpu \(GPU\.js WebGPUKernel, /m;

/** Runs the built CLI; `hide` makes those packages unresolvable (test/cli/hide-packages.mjs). */
function run(args: string[], hide?: string) {
  const pre = hide ? ['--import', new URL('./hide-packages.mjs', import.meta.url).href] : [];
  const r = spawnSync(process.execPath, [...pre, BIN, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, HIDE_PACKAGES: hide ?? '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The JSON events --json prints, one per line. */
const events = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l) as { event: string } & Record<string, unknown>);

describe.skipIf(reason)(`resshift-ts --backend gpu${reason ? ` (skipped: ${reason})` : ''}`, () => {
  const ck = writeTinyCheckpoint(join(tmp, 'tiny.safetensors'));

  test('upscale: exit 0, and the pixels of wasm within one 8-bit level', async () => {
    const input = join(tmp, 'in.png');
    const data = new Uint8Array(10 * 7 * 3).map((_, i) => (i * 37 + ((i * i) % 23)) & 255);
    writeFileSync(input, encode({ width: 10, height: 7, data, channels: 3, depth: 8 }));
    const outs: Uint8Array[] = [];
    for (const backend of ['gpu', 'wasm']) {
      const out = join(tmp, `out-${backend}.png`);
      const r = run(['upscale', input, '-o', out, '--checkpoint', ck, '--backend', backend, '--steps', '2', '--tile', '24', '--overlap', '8', '--json']);
      expect(r.code, r.err).toBe(0);
      if (backend === 'gpu') expect(r.err).toMatch(RUNS_ON);
      expect(events(r.out).find((e) => e.event === 'written')).toMatchObject({ backend, outputSize: [40, 28] });
      outs.push(toRgb8((await readImageFile(out)).image));
    }
    // the reverse steps agree to ~1e-7 (test/backends/gpu-training.test.ts); a value that close
    // to a rounding boundary of the 8-bit output can still round the other way
    let worst = 0;
    for (let i = 0; i < outs[0].length; i++) worst = Math.max(worst, Math.abs(outs[0][i] - outs[1][i]));
    expect(worst).toBeLessThanOrEqual(1);
  });

  test("train: a micro-batch whose largest tensor exceeds what the device holds in one buffer is refused before any work, naming the limit", () => {
    const data = writeImages(join(tmp, 'big-train-data'));
    const out = join(tmp, 'ck-too-large');
    // 6 * 512 * 1024^2 = 3.2G elements in one item: over any WebGPU binding (at most 4 GiB) and
    // over 32-bit indices; SwiftShader binds 1 GiB, 2^28 float32 values
    const r = run(['train', '--data', data, '--out', out, '--width', '512', '--crop', '1024', '--batch', '1', '--steps', '1', '--backend', 'gpu']);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(/a step of 1 item\(s\) at width 512, crop 1024 has a tensor of 3221225472 elements, above the \d+ one tensor may have on the gpu backend here; use a smaller --crop or --width/);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });

  test('eval: exit 0 on a folder, SR scores of wasm', () => {
    const data = join(tmp, 'eval');
    mkdirSync(data);
    copyFileSync(`${GOLDEN}/hr_64x64.png`, join(data, 'hr.png'));
    const reps = ['gpu', 'wasm'].map((backend) => {
      const r = run(['eval', '--data', data, '--checkpoint', ck, '--steps', '2', '--crop', '32', '--backend', backend, '--json']);
      expect(r.code, r.err).toBe(0);
      if (backend === 'gpu') expect(r.err).toMatch(RUNS_ON);
      return events(r.out).find((e) => e.event === 'done') as unknown as { backend: string; mean: { sr: { psnr: number; ssim: number } } };
    });
    expect(reps[0].backend).toBe('gpu');
    // PSNR of images within one 8-bit level of each other (see upscale): well inside 0.01 dB
    expect(Math.abs(reps[0].mean.sr.psnr - reps[1].mean.sr.psnr)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(reps[0].mean.sr.ssim - reps[1].mean.sr.ssim)).toBeLessThanOrEqual(1e-4);
  });

  test('train: 2 steps of a tiny model, exit 0, a checkpoint, the losses of wasm', () => {
    const data = writeImages(join(tmp, 'train-data'));
    const losses = ['gpu', 'wasm'].map((backend) => {
      const out = join(tmp, `ck-${backend}`);
      const r = run(['train', '--data', data, '--out', out, '--width', '4', '--crop', '16', '--batch', '2', '--steps', '2', '--eval-every', '0', '--seed', '5', '--backend', backend, '--json']);
      expect(r.code, r.err).toBe(0);
      if (backend === 'gpu') expect(r.err).toMatch(RUNS_ON);
      const events = r.out.trim().split('\n').map((l) => JSON.parse(l) as { event: string; loss?: number; backend?: string });
      expect(events.find((e) => e.event === 'start')?.backend).toBe(backend);
      expect(readdirSync(out).filter((n) => n.endsWith('.safetensors') && !n.includes('optim'))).not.toEqual([]);
      return events.filter((e) => e.event === 'step').map((e) => e.loss!);
    });
    expect(losses[0]).toHaveLength(2);
    // float32 on both; the in-process test bounds the loss at 1e-5 relative over 3 steps
    losses[0].forEach((l, k) => expect(Math.abs(l - losses[1][k]), `step ${k}: ${l} vs ${losses[1][k]}`).toBeLessThanOrEqual(1e-5 * Math.abs(losses[1][k])));
  });

  test('without gpu.js or webgpu, or in a mode Node lacks: one line saying what to do, exit 2', () => {
    const input = join(tmp, 'small.png');
    writeFileSync(input, encode({ width: 4, height: 4, data: new Uint8Array(48).fill(120), channels: 3, depth: 8 }));
    const cases: [string[], string | undefined, RegExp][] = [
      [['upscale', input, '-o', join(tmp, 'never.png'), '--backend', 'gpu'], 'gpu.js', /backend 'gpu' is unavailable: GPU\.js is not installed .*install it with: npm install gpu\.js webgpu/],
      [['golden', resolve('../shared/golden/torch/relu.safetensors'), '--backend', 'gpu'], 'webgpu', /backend 'gpu' is unavailable: the 'webgpu' package \(Dawn for Node\) did not load: .*npm install gpu\.js webgpu/],
      [['upscale', input, '-o', join(tmp, 'never.png'), '--backend', 'gpu', '--gpu-mode', 'webgl2'], undefined, /--gpu-mode must be webgpu or headlessgl in Node, got webgl2/],
      [['upscale', input, '-o', join(tmp, 'never.png'), '--backend', 'gpu', '--gpu-mode', 'headlessgl'], undefined, /headlessgl needs the gl package: npm install gl/],
      [['upscale', input, '-o', join(tmp, 'never.png'), '--backend', 'wasm', '--gpu-mode', 'webgpu'], undefined, /--gpu-mode applies to --backend gpu only/],
    ];
    for (const [args, hide, msg] of cases) {
      const r = run(args, hide);
      expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(2);
      // nothing else on stderr: Dawn never started
      expect(r.err.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.err.trim()).toMatch(/^resshift-ts (upscale|golden): /);
      expect(r.err.trim()).toMatch(msg);
    }
    expect(existsSync(join(tmp, 'never.png'))).toBe(false);
  });
});
