import { parseSafetensors, serializeSafetensors } from '../nn/safetensors.js';
import type { NamedArray } from '../nn/module.js';
import type { Adam } from '../nn/adam.js';
import { DualDomainUNet, defaultUNetConfig, type UNetConfig } from './model.js';
import { checkStateFits, checkUNetConfig } from './model-shapes.js';
import { checkDiffusionConfig, DEFAULT_RESSHIFT_CONFIG, type ResShiftConfig } from './schedule.js';
import { Rng } from '../tensor/rng.js';
import type { Tensor } from '../tensor/tensor.js';

// Checkpoints are two safetensors files. The model file holds exactly the reference state dict
// (so PyTorch loads it with a strict load_state_dict) plus our settings in __metadata__; the
// optimizer file beside it holds Adam's moments under the same names. The model file is written
// last and names the optimizer file, so its presence marks a complete checkpoint.
//
// Both files of a checkpoint written by `train` carry the same run_id (a random id of the train
// session that wrote them) and step in their metadata, and resuming checks that they agree: two
// sessions writing one folder, or files copied together from two runs, cannot silently join one
// run's model with another's optimizer state. Files written before run ids existed have neither;
// such a legacy pair is accepted without this check.
//
// Every setting read from a file is checked (sane bounds, and the model's widths against the
// tensors actually present) before anything is built from it.

export const CHECKPOINT_FORMAT = 'resshift-ts/1';

export interface CheckpointMeta {
  model: UNetConfig;
  diffusion: ResShiftConfig;
  /** Training position and settings; absent in a model-only file (e.g. the bundled model). */
  train?: Record<string, unknown>;
  /** File name of the optimizer state beside this one. */
  optimizerFile?: string;
  /** The train session that wrote this checkpoint and its optimizer step; absent in model-only and legacy files. */
  run?: RunStamp;
}

/** What ties a model file to its optimizer file: the writing session's id and the step. */
export interface RunStamp {
  id: string;
  step: number;
}

const RUN_ID = /^[\w-]{1,100}$/;

function runStamp(what: string, id: string | undefined, step: string | undefined): RunStamp | undefined {
  if (id === undefined) return undefined;
  if (!RUN_ID.test(id)) throw new Error(`checkpoint: ${what} has a malformed run_id`);
  const n = Number(step);
  if (step === undefined || !Number.isSafeInteger(n) || n < 0) throw new Error(`checkpoint: ${what} has run_id but no valid step (${step})`);
  return { id, step: n };
}

/** float32 host copies of named tensors, read with awaits so any backend (a GPU too) can save. */
async function hostCopies(named: readonly [string, Tensor][]): Promise<[string, { shape: number[]; data: Float32Array }][]> {
  const data = await Promise.all(named.map(([, t]) => t.data()));
  return named.map(([n, t], i) => [n, { shape: [...t.shape], data: Float32Array.from(data[i]) }]);
}

/** A model file from host copies of the state dict (see modelToBytes). */
export function stateToBytes(tensors: [string, { shape: number[]; data: Float32Array }][], meta: CheckpointMeta): Uint8Array {
  const md: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    model: JSON.stringify(meta.model),
    diffusion: JSON.stringify(meta.diffusion),
  };
  if (meta.train) md.train = JSON.stringify(meta.train);
  if (meta.optimizerFile) md.optimizer_file = meta.optimizerFile;
  if (meta.run) {
    md.run_id = meta.run.id;
    md.step = String(meta.run.step);
  }
  return serializeSafetensors(tensors, md);
}

export async function modelToBytes(model: DualDomainUNet, meta: CheckpointMeta): Promise<Uint8Array> {
  return stateToBytes(await hostCopies(model.stateDict()), meta);
}

/** Adam's moments; `runId` (the writing session) goes into the metadata beside the step. */
export async function optimizerToBytes(model: DualDomainUNet, opt: Adam, runId?: string): Promise<Uint8Array> {
  const names = model.namedParameters().map(([n]) => n);
  if (names.length !== opt.slots.length) throw new Error(`checkpoint: optimizer has ${opt.slots.length} slots for ${names.length} parameters`);
  const tensors = await hostCopies(
    opt.slots.flatMap((s, i): [string, Tensor][] => [
      [`exp_avg.${names[i]}`, s.expAvg],
      [`exp_avg_sq.${names[i]}`, s.expAvgSq],
    ]),
  );
  const md: Record<string, string> = { format: CHECKPOINT_FORMAT, step: String(opt.step) };
  if (runId !== undefined) md.run_id = runId;
  return serializeSafetensors(tensors, md);
}

export interface LoadedCheckpoint {
  state: Map<string, NamedArray>;
  meta: CheckpointMeta;
}

function parseJson(what: string, s: string | undefined): unknown {
  if (s === undefined) return undefined;
  try {
    return JSON.parse(s);
  } catch {
    throw new Error(`checkpoint: metadata '${what}' is not valid JSON`);
  }
}

function checked<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new Error(`checkpoint: ${what}: ${(e as Error).message}`);
  }
}

/**
 * Reads a model file: ours (settings from the metadata) or a plain PyTorch state dict saved as
 * safetensors (widths inferred from the tensor shapes, default diffusion settings). The settings
 * are checked, and the tensors must be exactly the model's, before anything is built.
 */
export function checkpointFromBytes(bytes: Uint8Array): LoadedCheckpoint {
  const { tensors, metadata } = parseSafetensors(bytes);
  const state = new Map<string, NamedArray>([...tensors].map(([n, t]) => [n, { shape: t.shape, data: t.data }]));
  const stored = parseJson('model', metadata.model);
  const model = stored === undefined ? inferModelConfig(state) : checked("metadata 'model'", () => checkUNetConfig(stored));
  checkStateFits(model, state);
  const storedDiffusion = parseJson('diffusion', metadata.diffusion);
  if (storedDiffusion !== undefined && (typeof storedDiffusion !== 'object' || storedDiffusion === null || Array.isArray(storedDiffusion))) {
    throw new Error(`checkpoint: metadata 'diffusion' is not an object`);
  }
  // a file may name only the settings that differ from the reference run
  const diffusion = checked("metadata 'diffusion'", () => checkDiffusionConfig({ ...DEFAULT_RESSHIFT_CONFIG, ...(storedDiffusion as Partial<ResShiftConfig> | undefined) }));
  const train = parseJson('train', metadata.train) as Record<string, unknown> | undefined;
  const run = runStamp('model file', metadata.run_id, metadata.step);
  return { state, meta: { model, diffusion, train, optimizerFile: metadata.optimizer_file, ...(run ? { run } : {}) } };
}

function inferModelConfig(state: Map<string, NamedArray>): UNetConfig {
  const inc = state.get('inc.conv.0.weight');
  const t1 = state.get('time_mlp.1.weight');
  if (!inc || inc.shape.length !== 4 || !t1 || t1.shape.length !== 2) {
    throw new Error('checkpoint: not a DualDomainUNet state dict (no inc.conv.0.weight / time_mlp.1.weight)');
  }
  return checked('inferred widths', () => checkUNetConfig({ ...defaultUNetConfig, baseChannels: inc.shape[0], inChannels: inc.shape[1], timeDim: t1.shape[1] }));
}

/** A model built from a checkpoint's settings with its weights loaded (strict). */
export function modelFromCheckpoint(ck: LoadedCheckpoint, backend?: string): DualDomainUNet {
  // the settings may come from anywhere: nothing is allocated until the tensors are known to fit
  checkStateFits(checkUNetConfig(ck.meta.model), ck.state);
  const model = new DualDomainUNet(ck.meta.model, { rng: new Rng(0), backend });
  try {
    model.loadStateDict(ck.state);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

/**
 * Adam moments from an optimizer file, in the model's parameter order, with the file's step and
 * run id (undefined in files written before run ids existed).
 */
export function optimizerFromBytes(bytes: Uint8Array, model: DualDomainUNet): { step: number; runId?: string; moments: { expAvg: Float32Array; expAvgSq: Float32Array }[] } {
  const { tensors, metadata } = parseSafetensors(bytes);
  const step = Number(metadata.step);
  if (!Number.isSafeInteger(step) || step < 0) throw new Error(`checkpoint: optimizer file has no valid step (${metadata.step})`);
  const runId = runStamp('optimizer file', metadata.run_id, metadata.step)?.id;
  const names = model.namedParameters().map(([n]) => n);
  const missing = names.flatMap((n) => [`exp_avg.${n}`, `exp_avg_sq.${n}`]).filter((k) => !tensors.has(k));
  if (missing.length) throw new Error(`checkpoint: optimizer file lacks ${missing.slice(0, 4).join(', ')}${missing.length > 4 ? ` and ${missing.length - 4} more` : ''}`);
  const extra = [...tensors.keys()].filter((k) => !names.some((n) => k === `exp_avg.${n}` || k === `exp_avg_sq.${n}`));
  if (extra.length) throw new Error(`checkpoint: optimizer file has unexpected ${extra.slice(0, 4).join(', ')}`);
  return {
    step,
    ...(runId !== undefined ? { runId } : {}),
    moments: names.map((n) => ({ expAvg: Float32Array.from(tensors.get(`exp_avg.${n}`)!.data), expAvgSq: Float32Array.from(tensors.get(`exp_avg_sq.${n}`)!.data) })),
  };
}
