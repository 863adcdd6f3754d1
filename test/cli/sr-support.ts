// Shared by the upscale and eval CLI tests: they run the built CLI (dist/, from `npm run build`).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stateToBytes } from '../../src/resshift/checkpoint.js';
import { DualDomainUNet } from '../../src/resshift/model.js';
import { DEFAULT_RESSHIFT_CONFIG } from '../../src/resshift/schedule.js';
import { Rng } from '../../src/tensor/rng.js';

export const built = existsSync('dist/cli/main.js');
export const BIN = resolve('bin/resshift-ts.js');
export const GOLDEN = resolve('../shared/golden/bicubic');
/** When the package ships a default model, "no model available" cannot happen. */
export const bundledModel = existsSync('models/resshift-default.safetensors');

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
export const removeDir = (dir: string) => rmSync(dir, { recursive: true, force: true });

/** A width-4 model with the default diffusion settings, saved as a checkpoint file. */
export function writeTinyCheckpoint(path: string): string {
  const model = new DualDomainUNet({ baseChannels: 4 }, { rng: new Rng(1) });
  // a ref model reads synchronously, so module-level test setup can stay synchronous
  const state = model.stateDict().map(([n, t]): [string, { shape: number[]; data: Float32Array }] => [n, { shape: [...t.shape], data: Float32Array.from(t.dataSync()) }]);
  writeFileSync(path, stateToBytes(state, { model: model.config, diffusion: { ...DEFAULT_RESSHIFT_CONFIG } }));
  model.dispose();
  return path;
}

/**
 * The tiny model with one finite but absurd weight (1e38): it loads, and its activations overflow
 * to infinity and NaN on the first reverse step.
 */
export function writeOverflowingCheckpoint(path: string): string {
  const model = new DualDomainUNet({ baseChannels: 4 }, { rng: new Rng(1) });
  const weights = new Map(model.stateDict().map(([n, t]) => [n, { shape: t.shape, data: t.dataSync().slice() }]));
  weights.get('inc.conv.0.weight')!.data[0] = 1e38;
  model.loadStateDict(weights);
  const state = model.stateDict().map(([n, t]): [string, { shape: number[]; data: Float32Array }] => [n, { shape: [...t.shape], data: Float32Array.from(t.dataSync()) }]);
  writeFileSync(path, stateToBytes(state, { model: model.config, diffusion: { ...DEFAULT_RESSHIFT_CONFIG } }));
  model.dispose();
  return path;
}

export function cli(args: string[], cwd?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000, cwd });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The --json events of a run's stdout, one JSON object a line. */
export function events(stdout: string): Record<string, any>[] {
  return stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}

/** The one event named `name` (throws unless there is exactly one). */
export function event(stdout: string, name: string): Record<string, any> {
  const found = events(stdout).filter((e) => e.event === name);
  if (found.length !== 1) throw new Error(`expected one '${name}' event, got ${found.length} in:\n${stdout}`);
  return found[0];
}
