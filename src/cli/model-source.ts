import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { CheckpointFileError, findLatestCheckpoint, modelFromCheckpointFile, readCheckpointFile } from '../resshift/checkpoint-files.js';
import type { DualDomainUNet } from '../resshift/model.js';
import { etaSchedule, type EtaSchedule } from '../resshift/schedule.js';
import { InputError } from './common.js';

// Which model `upscale` and `eval` run: --checkpoint, else the model shipped in the package, else
// the newest checkpoint that `train` left in ./checkpoints.

/** The bundled model, found from this module's location (dist/cli or src/cli), not the cwd. */
export const BUNDLED_MODEL = fileURLToPath(new URL('../../models/resshift-default.safetensors', import.meta.url));
export const CHECKPOINT_DIR = 'checkpoints';

export interface ModelChoice {
  path: string;
  source: 'checkpoint' | 'bundled' | 'latest';
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

export async function chooseModel(checkpoint: string | undefined, bundled = BUNDLED_MODEL, checkpointDir = CHECKPOINT_DIR): Promise<ModelChoice> {
  if (checkpoint !== undefined) return { path: checkpoint, source: 'checkpoint' };
  if (await exists(bundled)) return { path: bundled, source: 'bundled' };
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
}

/** The model with its weights and diffusion settings; a bad file is an InputError naming it. */
export async function loadModel(choice: ModelChoice, backend: string): Promise<LoadedModel> {
  try {
    const ck = await readCheckpointFile(choice.path);
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
    return { ...choice, model, schedule, kappa };
  } catch (e) {
    if (e instanceof CheckpointFileError) throw new InputError(e.message);
    throw e;
  }
}
