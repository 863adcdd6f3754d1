// Training from code, as `resshift-ts train` runs it: one run per checkpoint folder (a lock),
// resuming from the newest checkpoint there by default, the same settings logic (a resumed run
// keeps its stored settings unless given new ones), checkpoints on abort, progress as events.
import { mkdir, rm } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { startBackend } from '../api/backend.js';
import type { BackendChoice } from '../api/types.js';
import { findLatestCheckpoint, readCheckpointFile } from '../resshift/checkpoint-files.js';
import { acquireCheckpointLock, removeStaleTempFiles } from '../resshift/checkpoint-lock.js';
import { ImageSet, resolveDatasetDirs } from '../resshift/data.js';
import type { ResShiftConfig } from '../resshift/schedule.js';
import { getBackend } from '../backends/registry.js';
import { fitMicroBatch } from './micro-batch.js';
import { stepsPerEpoch } from '../resshift/train-batch.js';
import { storedTrainConfig, Trainer, TRAIN_DEFAULTS, type TrainConfig, type TrainEvent, type TrainResult } from '../resshift/trainer.js';
import { setBackend } from '../tensor/index.js';
import { writeFileAtomic } from './files.js';

export interface TrainModelOptions {
  /** A folder of PNG/JPEG HR images, or one holding train/HR (and valid/HR) as DIV2K does. */
  data: string;
  /** Validation images (default: valid/HR beside train/HR). */
  valid?: string;
  /** The checkpoint folder (default 'checkpoints'). */
  out?: string;
  /**
   * true (default): continue the newest checkpoint in `out`, if any; a path: continue that one;
   * false: a new run, refused if `out` already holds one.
   */
  resume?: boolean | string;
  width?: number;
  crop?: number;
  batch?: number;
  /** Epochs, also the cosine schedule's length (default 100 for a new run, or enough for `steps`). */
  epochs?: number;
  /** Stop after this many optimizer steps in total. */
  steps?: number;
  lr?: number;
  etaMin?: number;
  clip?: number;
  seed?: number;
  evalEvery?: number;
  saveEvery?: number;
  /** Diffusion settings of a new run (default: the reference's). */
  diffusion?: Partial<ResShiftConfig>;
  /** Memory for decoded training images, MB (default: a quarter of RAM, at most 4096). */
  cacheMb?: number;
  backend?: BackendChoice;
  threads?: number;
  /** wasm backend: fused multiply-add (see RunOptions.fma). */
  fma?: boolean;
  /** Aborting saves a checkpoint at the end of the current step and resolves with status 'interrupted'. */
  signal?: AbortSignal;
  /** Every step, epoch, evaluation and checkpoint. */
  onEvent?: (e: TrainEvent) => void;
  /** Things worth knowing that do not stop the run (upsampled small images, changed data). */
  onWarning?: (message: string) => void;
}

export interface TrainModelResult extends TrainResult {
  /** The run's settings. */
  config: TrainConfig;
  /** The backend it ran on. */
  backend: string;
  /** The checkpoint it continued, if any. */
  resumedFrom: string | null;
}

const MB = 1024 * 1024;
const OVERRIDES = ['width', 'crop', 'batch', 'lr', 'etaMin', 'clip', 'seed', 'evalEvery', 'saveEvery'] as const;

/** The run's settings: the resumed run's, else the defaults, overridden by the options given; then its length. */
function runConfig(o: TrainModelOptions, stored: TrainConfig | null, images: number): TrainConfig {
  const c: TrainConfig = { ...(stored ?? TRAIN_DEFAULTS), diffusion: { ...(stored ?? TRAIN_DEFAULTS).diffusion, ...o.diffusion } };
  for (const k of OVERRIDES) if (o[k] !== undefined) c[k] = o[k];
  // epochs is the cosine schedule's length and a stop point, steps only a stop point (as the CLI's --epochs / --steps)
  const spe = stepsPerEpoch(images, c.batch);
  const steps = o.steps !== undefined ? o.steps : o.epochs !== undefined ? null : (stored?.steps ?? null);
  let epochs = o.epochs ?? (stored ? stored.epochs : steps !== null ? Math.ceil(steps / spe) : TRAIN_DEFAULTS.epochs);
  if (o.epochs === undefined && steps !== null) epochs = Math.max(epochs, Math.ceil(steps / spe));
  return { ...c, epochs, steps };
}

async function checkWritable(out: string): Promise<void> {
  const probe = join(out, '.resshift-write-test');
  try {
    await mkdir(out, { recursive: true });
    await writeFileAtomic(probe, 'ok');
    await rm(probe, { force: true });
  } catch (e) {
    throw new Error(`trainModel: cannot write checkpoints to ${out} (${(e as Error).message.split('\n')[0]})`);
  }
}

/** Trains (or continues training) the model on a folder of images; resolves when the run ends. */
export async function trainModel(o: TrainModelOptions): Promise<TrainModelResult> {
  if (typeof o?.data !== 'string') throw new Error('trainModel: data (a folder of images) is required');
  const out = o.out ?? 'checkpoints';
  const warn = o.onWarning ?? (() => {});
  await checkWritable(out);
  const lock = await acquireCheckpointLock(out);
  try {
    const removed = await removeStaleTempFiles(out);
    if (removed.length) warn(`removed ${removed.length} temporary file(s) left in ${out} by killed runs`);
    const resumePath = typeof o.resume === 'string' ? o.resume : await findLatestCheckpoint(out);
    if (o.resume === false && resumePath) throw new Error(`trainModel: ${out} already holds a run (${resumePath}); pass another out for a new run, or resume: true`);
    const resume = resumePath ? { path: resumePath, checkpoint: await readCheckpointFile(resumePath) } : null;
    const stored = resume ? storedTrainConfig(resume.checkpoint, resume.path) : null;
    if (resume && !stored) throw new Error(`${resume.path}: has no training state (a model-only checkpoint), so training cannot resume from it`);
    const dirs = await resolveDatasetDirs(o.data, o.valid);
    const crop = o.crop ?? stored?.crop ?? TRAIN_DEFAULTS.crop;
    const cacheMb = o.cacheMb ?? Math.min(4096, Math.floor(totalmem() / MB / 4));
    const train = await ImageSet.load(dirs.train, { crop, cacheBytes: cacheMb * MB, onWarning: warn });
    const valid = dirs.valid ? await ImageSet.load(dirs.valid, { crop, cacheBytes: Infinity, centreOnly: true, onWarning: warn }) : null;
    // the trainer builds the model on the default backend, as the CLI does
    const backend = await startBackend(o.backend, o.threads, o.fma);
    setBackend(backend);
    // the micro-batch as the CLI picks it (given, stored, or the largest that fits)
    const fit = fitMicroBatch(runConfig(o, stored, train.length), backend, stored, getBackend(backend).maxElements);
    if ('error' in fit) throw new Error(`trainModel: ${fit.error}`);
    const config = fit.config;
    const trainer = await Trainer.create({ config, train, valid, out, resume });
    try {
      if (trainer.datasetChanged) warn(`the training images differ from those ${resume!.path} was trained on; the run continues but is not a continuation bit for bit`);
      const r = await trainer.run({ signal: o.signal, onEvent: o.onEvent });
      return { ...r, config, backend, resumedFrom: resume?.path ?? null };
    } finally {
      trainer.dispose();
    }
  } finally {
    await lock.release();
  }
}
