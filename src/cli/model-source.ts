import { access, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CheckpointFileError, findLatestCheckpoint, modelFromCheckpointFile, parseCheckpointName, readCheckpointFile } from '../resshift/checkpoint-files.js';
import type { LoadedCheckpoint } from '../resshift/checkpoint.js';
import type { DualDomainUNet } from '../resshift/model.js';
import { etaSchedule, type EtaSchedule } from '../resshift/schedule.js';
import { InputError } from './common.js';

// Which model `upscale` and `eval` run: --checkpoint FILE; --model latest (the newest checkpoint
// in ./checkpoints, or --checkpoints DIR, that loads); else the model shipped in the package, else
// the newest checkpoint that `train` left in ./checkpoints.

/** The bundled model, found from this module's location (dist/cli or src/cli), not the cwd. */
export const BUNDLED_MODEL = fileURLToPath(new URL('../../models/resshift-default.safetensors', import.meta.url));
export const CHECKPOINT_DIR = 'checkpoints';

export interface ModelChoice {
  path: string;
  source: 'checkpoint' | 'bundled' | 'latest';
  /** Already read while choosing (--model latest reads candidates to skip unusable ones). */
  checkpoint?: LoadedCheckpoint;
  /** Lines for the user about the choice (a newer checkpoint skipped, own checkpoints unused). */
  notes?: string[];
}

/** Checkpoint files `train` wrote in `dir`, newest first (by the position in their names). */
async function checkpointsNewestFirst(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') return [];
    throw new InputError(`${dir}: cannot list the checkpoint folder (${(e as Error).message.split('\n')[0]})`);
  }
  return names
    .map((name) => ({ name, pos: parseCheckpointName(name) }))
    .filter((c) => c.pos !== null)
    .sort((a, b) => b.pos!.epoch - a.pos!.epoch || (b.pos!.step ?? -1) - (a.pos!.step ?? -1))
    .map((c) => join(dir, c.name));
}

/**
 * The newest checkpoint in `dir` that reads as a checkpoint; newer ones that do not are skipped
 * with a note. An InputError when there is none.
 */
export async function latestGoodCheckpoint(dir: string): Promise<ModelChoice> {
  const notes: string[] = [];
  for (const path of await checkpointsNewestFirst(dir)) {
    try {
      return { path, source: 'latest', checkpoint: await readCheckpointFile(path), notes };
    } catch (e) {
      if (!(e instanceof CheckpointFileError)) throw e;
      notes.push(`skipped ${e.message}`);
    }
  }
  throw new InputError(`--model latest: ${dir} holds no usable checkpoint${notes.length ? ` (${notes.join('; ')})` : ''}; train one with \`resshift-ts train --out ${dir}\``);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** --model: 'latest' or 'bundled'; anything else is an InputError naming the choices. */
export function modelOption(v: string | undefined, checkpoint: string | undefined): 'latest' | 'bundled' | undefined {
  if (v === undefined) return undefined;
  if (v !== 'latest' && v !== 'bundled') throw new InputError(`--model must be latest or bundled (for a file, use --checkpoint FILE), got ${v}`);
  if (checkpoint !== undefined) throw new InputError(`--model ${v} and --checkpoint ${checkpoint} both choose the model; give one`);
  return v;
}

export async function chooseModel(
  checkpoint: string | undefined,
  bundled = BUNDLED_MODEL,
  checkpointDir = CHECKPOINT_DIR,
  model?: 'latest' | 'bundled',
): Promise<ModelChoice> {
  if (checkpoint !== undefined) return { path: checkpoint, source: 'checkpoint' };
  if (model === 'latest') return latestGoodCheckpoint(checkpointDir);
  if (await exists(bundled)) {
    // the user trained their own model here but did not ask for it: say how, once per run
    const own = model === 'bundled' ? [] : await checkpointsNewestFirst(checkpointDir).catch(() => []);
    const notes = own.length ? [`using the bundled model; ${checkpointDir} holds your own checkpoints (newest ${own[0]}): add --model latest to use it`] : [];
    return { path: bundled, source: 'bundled', notes };
  }
  if (model === 'bundled') throw new InputError(`--model bundled: this package has no bundled model (${bundled} is missing)`);
  let latest: string | null;
  try {
    latest = await findLatestCheckpoint(checkpointDir);
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  if (latest) return { path: latest, source: 'latest' };
  throw new InputError(
    `no model: this package has no bundled model and ./${checkpointDir} has no checkpoint; train one with \`resshift-ts train\` or pass --checkpoint FILE`,
  );
}

export interface LoadedModel extends ModelChoice {
  model: DualDomainUNet;
  schedule: EtaSchedule;
  kappa: number;
  /** Where training stood when the checkpoint was written; null for a model-only file (the bundled one). */
  trained: { epoch: number; step: number } | null;
}

/** The training position stored in a checkpoint by `train`, or null. */
function trainedAt(ck: LoadedCheckpoint): { epoch: number; step: number } | null {
  const pos = (ck.meta.train as { position?: { epoch?: unknown; step?: unknown } } | undefined)?.position;
  return pos && Number.isSafeInteger(pos.epoch) && Number.isSafeInteger(pos.step) ? { epoch: pos.epoch as number, step: pos.step as number } : null;
}

/** "resshift_epoch_3.safetensors (epoch 3, step 120)" or "... (bundled model)": which file, which step. */
export function describeModel(m: LoadedModel): string {
  const where = m.trained ? `epoch ${m.trained.epoch}, step ${m.trained.step}` : m.source === 'bundled' ? 'bundled model' : 'no training position recorded';
  return `${m.path} (${where})`;
}

/** The model with its weights and diffusion settings; a bad file is an InputError naming it. */
export async function loadModel(choice: ModelChoice, backend: string): Promise<LoadedModel> {
  try {
    const ck = choice.checkpoint ?? (await readCheckpointFile(choice.path));
    const model = modelFromCheckpointFile(choice.path, ck, backend);
    let schedule: EtaSchedule;
    try {
      schedule = etaSchedule(ck.meta.diffusion);
    } catch (e) {
      model.dispose();
      throw new CheckpointFileError(`${choice.path}: bad diffusion settings (${(e as Error).message})`);
    }
    const kappa = ck.meta.diffusion.kappa;
    if (!(kappa > 0 && Number.isFinite(kappa))) {
      model.dispose();
      throw new CheckpointFileError(`${choice.path}: bad diffusion settings (kappa ${kappa})`);
    }
    const { checkpoint: _read, ...rest } = choice; // the tensors now live in the model
    return { ...rest, model, schedule, kappa, trained: trainedAt(ck) };
  } catch (e) {
    if (e instanceof CheckpointFileError) throw new InputError(e.message);
    throw e;
  }
}
