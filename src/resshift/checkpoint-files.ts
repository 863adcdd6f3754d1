// Node-only checkpoint files. checkpoint.ts knows the bytes; this module knows the folder layout:
//   resshift_epoch_{N}.safetensors             after N completed epochs
//   resshift_epoch_{N}_step_{S}.safetensors    mid-epoch (interrupted, or --steps ended there):
//                                              N completed epochs, S optimizer steps in total
// each with `<same base>.optim.safetensors` beside it. The optimizer file is written first and
// the model file last, both atomically, so a model file on disk always has its optimizer file.
// Both carry the writing session's run id and the step (see checkpoint.ts), checked on resume.
import { mkdir, readdir, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Adam } from '../nn/adam.js';
import { readFileBounded, SAFETENSORS_PROBE_BYTES, safetensorsHeaderProblem, writeFileAtomic } from '../node/files.js';
import { checkpointFromBytes, modelFromCheckpoint, modelToBytes, optimizerFromBytes, optimizerToBytes, type CheckpointMeta, type LoadedCheckpoint } from './checkpoint.js';
import type { DualDomainUNet } from './model.js';

/** A checkpoint file that cannot be used; the message is one line naming the file. */
export class CheckpointFileError extends Error {}

const NAME = /^resshift_epoch_(\d+)(?:_step_(\d+))?\.safetensors$/;

function codeOf(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

// Far above any checkpoint of this model (the bundled one is 1.6 MB, the reference ResShift's
// weights about 0.5 GB); it only stops a wrong path from being read without end.
export const MAX_CHECKPOINT_BYTES = 2 ** 31;

async function readBytes(path: string, what: string): Promise<Uint8Array> {
  try {
    return await readFileBounded(path, {
      what,
      maxBytes: MAX_CHECKPOINT_BYTES,
      headerBytes: SAFETENSORS_PROBE_BYTES,
      checkHeader: (probe, size) => {
        const problem = safetensorsHeaderProblem(probe, size);
        return problem && `not a safetensors file (${problem})`;
      },
    });
  } catch (e) {
    throw new CheckpointFileError(firstLine(e));
  }
}

/** Reads a model checkpoint (ours or a plain PyTorch state dict saved as safetensors). */
export async function readCheckpointFile(path: string): Promise<LoadedCheckpoint> {
  const bytes = await readBytes(path, 'checkpoint file');
  try {
    return checkpointFromBytes(bytes);
  } catch (e) {
    const msg = firstLine(e);
    if (msg.startsWith('safetensors:')) throw new CheckpointFileError(`${path}: not a safetensors file (${msg.slice(13)})`);
    if (msg.includes('not a DualDomainUNet')) throw new CheckpointFileError(`${path}: not a DualDomainUNet checkpoint (no inc.conv.0.weight / time_mlp.1.weight)`);
    throw new CheckpointFileError(`${path}: ${msg.replace(/^checkpoint: /, '')}`);
  }
}

/**
 * The model of a checkpoint with its weights loaded; missing, unexpected and wrongly shaped
 * tensors are named in a one-line error that names the file.
 */
export function modelFromCheckpointFile(path: string, ck: LoadedCheckpoint, backend?: string): DualDomainUNet {
  try {
    return modelFromCheckpoint(ck, backend);
  } catch (e) {
    throw new CheckpointFileError(`${path}: ${firstLine(e)}`);
  }
}

export interface CheckpointPosition {
  /** Completed epochs. */
  epoch: number;
  /** Total optimizer steps, for a mid-epoch checkpoint. */
  step?: number;
}

/** The position encoded in a checkpoint file name, or null for any other name. */
export function parseCheckpointName(name: string): CheckpointPosition | null {
  const m = NAME.exec(name);
  if (!m) return null;
  return m[2] === undefined ? { epoch: Number(m[1]) } : { epoch: Number(m[1]), step: Number(m[2]) };
}

export function checkpointName(pos: CheckpointPosition): string {
  return pos.step === undefined ? `resshift_epoch_${pos.epoch}.safetensors` : `resshift_epoch_${pos.epoch}_step_${pos.step}.safetensors`;
}

export function optimizerFileName(modelFile: string): string {
  return basename(modelFile).replace(/\.safetensors$/, '.optim.safetensors');
}

// A mid-epoch file of epoch N lies after the end of epoch N and before the end of epoch N + 1.
function compare(a: CheckpointPosition, b: CheckpointPosition): number {
  return a.epoch - b.epoch || (a.step === undefined ? -1 : a.step) - (b.step === undefined ? -1 : b.step);
}

/** Path of the furthest-trained checkpoint in `dir`, or null when there is none (or no folder). */
export async function findLatestCheckpoint(dir: string): Promise<string | null> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if (codeOf(e) === 'ENOENT') return null;
    throw new CheckpointFileError(`${dir}: cannot list the checkpoint folder (${firstLine(e)})`);
  }
  let best: { name: string; pos: CheckpointPosition } | null = null;
  for (const name of names) {
    const pos = parseCheckpointName(name);
    if (pos && (!best || compare(pos, best.pos) > 0)) best = { name, pos };
  }
  return best ? join(dir, best.name) : null;
}

/**
 * Deletes the checkpoint pairs of `dir` older than its `keep` newest (by the position in their
 * names), never `protect` (the pair just saved) and never a file whose name is not one this
 * module writes: `resshift_epoch_*.safetensors` and its `.optim.safetensors` partner. Each model
 * file goes before its optimizer file, so a model file on disk still always has its optimizer
 * file. Returns the model files deleted. A file that cannot be deleted is left (and not listed).
 */
export async function pruneCheckpoints(dir: string, keep: number, protect: string): Promise<string[]> {
  if (!(Number.isInteger(keep) && keep >= 1)) throw new Error(`pruneCheckpoints: keep must be a positive integer, got ${keep}`);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const pairs = names
    .map((name) => ({ name, pos: parseCheckpointName(name) }))
    .filter((p): p is { name: string; pos: CheckpointPosition } => p.pos !== null)
    .sort((a, b) => compare(b.pos, a.pos));
  const removed: string[] = [];
  for (const { name } of pairs.slice(keep)) {
    if (name === basename(protect)) continue;
    const path = join(dir, name);
    try {
      await unlink(path);
    } catch {
      continue; // still there (permissions, a folder of that name): its optimizer file stays with it
    }
    await unlink(join(dir, optimizerFileName(name))).catch(() => undefined);
    removed.push(path);
  }
  return removed;
}

export interface SaveCheckpointOptions extends CheckpointPosition {
  model: DualDomainUNet;
  optimizer: Adam;
  meta: CheckpointMeta;
  /** Id of the writing session; stored with the optimizer's step in both files. */
  runId: string;
}

/** Writes the optimizer file, then the model file (both atomic); returns the model file's path. */
export async function saveCheckpoint(dir: string, o: SaveCheckpointOptions): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, checkpointName(o));
  const optimizerFile = optimizerFileName(path);
  await writeFileAtomic(join(dir, optimizerFile), await optimizerToBytes(o.model, o.optimizer, o.runId));
  await writeFileAtomic(path, await modelToBytes(o.model, { ...o.meta, optimizerFile, run: { id: o.runId, step: o.optimizer.step } }));
  return path;
}

/** Null when the two files are one checkpoint, else why not (one line). */
function pairMismatch(modelFile: string, ck: LoadedCheckpoint, opt: { step: number; runId?: string }): string | null {
  const run = ck.meta.run;
  // a legacy pair (written before run ids) has nothing to compare; the trainer still compares steps
  if (!run && opt.runId === undefined) return null;
  const mine = opt.runId === undefined ? 'has no run id' : `is run ${opt.runId} at step ${opt.step}`;
  const theirs = run ? `run ${run.id} at step ${run.step}` : 'a file without run id';
  if (run && opt.runId === run.id && opt.step === run.step) return null;
  return `is not the optimizer state of ${basename(modelFile)}: it ${mine}, the model file is ${theirs} (were two train runs writing to one folder?)`;
}

/**
 * Copies the optimizer state saved beside model file `path` into `optimizer` (built for `model`).
 * A checkpoint without an optimizer file (e.g. a PyTorch state dict) is an error: resuming
 * without Adam's moments would not continue the same run.
 */
export async function loadOptimizerFile(path: string, ck: LoadedCheckpoint, model: DualDomainUNet, optimizer: Adam): Promise<void> {
  if (!ck.meta.optimizerFile) throw new CheckpointFileError(`${path}: has no optimizer state, so training cannot resume from it`);
  const optPath = join(dirname(path), basename(ck.meta.optimizerFile));
  const bytes = await readBytes(optPath, 'optimizer file');
  try {
    const opt = optimizerFromBytes(bytes, model);
    const mismatch = pairMismatch(path, ck, opt);
    if (mismatch) throw new Error(mismatch);
    optimizer.loadState(opt.step, opt.moments);
  } catch (e) {
    throw new CheckpointFileError(`${optPath}: ${firstLine(e).replace(/^(checkpoint|safetensors): /, '')}`);
  }
}
