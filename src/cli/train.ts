import type { Command } from 'commander';
import { totalmem } from 'node:os';
import { CheckpointFileError, findLatestCheckpoint, readCheckpointFile } from '../resshift/checkpoint-files.js';
import type { LoadedCheckpoint } from '../resshift/checkpoint.js';
import { acquireCheckpointLock, CheckpointLockError, removeStaleTempFiles } from '../resshift/checkpoint-lock.js';
import { listImages } from '../image/files.js';
import { DatasetError, ImageSet, resolveDatasetDirs } from '../resshift/data.js';
import { getBackend } from '../backends/registry.js';
import { fitMicroBatch } from '../node/micro-batch.js';
import { stepsPerEpoch } from '../resshift/train-batch.js';
import { ResumeError, storedTrainConfig, Trainer, TrainConfigError, TRAIN_DEFAULTS, type TrainConfig } from '../resshift/trainer.js';
import { BACKEND_NAMES, FMA_HELP, GPU_MODE_HELP, InputError, intOption, nonNegative, positiveAtMost, selectBackend, threadsOption } from './common.js';
import { prepareOutputDir } from './outputs.js';
import { err } from './printable.js';
import { progressBar, type Progress } from './progress.js';
import { TrainLog } from './train-log.js';

interface TrainOptions {
  fma?: boolean;
  data: string;
  valid?: string;
  width?: string;
  crop?: string;
  batch?: string;
  microBatch?: string;
  epochs?: string;
  steps?: string;
  lr?: string;
  etaMin?: string;
  seed?: string;
  out: string;
  resume?: string;
  evalEvery?: string;
  saveEvery?: string;
  cacheMb?: string;
  backend: string;
  gpuMode?: string;
  threads?: string;
  keepLast: string;
  json?: boolean;
}

const MB = 1024 * 1024;
const defaultCacheMb = () => Math.min(4096, Math.floor(totalmem() / MB / 4));

// Upper bounds of the numeric options: past them a run cannot fit in memory or cannot learn, and
// without them 1e308 fails deep inside with an internal message (or allocates without end).
const LIMITS = {
  /** 8x the reference's 64. Weights grow with width² (about 100 M parameters, 0.4 GB, at 512; 3x
   * that with Adam's moments), activations with width. */
  width: 512,
  /** 4x the reference's 256 a side. A training step keeps dozens of activation maps of
   * crop² x 2·width floats per sample (0.5 GB each at 1024 and width 64). */
  crop: 1024,
  /** 32x the reference's 8; memory grows linearly with it. */
  batch: 256,
  /** Adam moves every weight by up to about lr per step; the weights are of order 0.1, so a rate
   * above 1 wrecks the model on the first step. */
  lr: 1,
  /** A billion steps is years of training on any machine; the bound keeps counts exact. */
  steps: 1e9,
} as const;

/** Checkpoint pairs --keep-last keeps by default: the newest, and two to go back to if it went wrong. */
export const DEFAULT_KEEP_LAST = 3;

/** --keep-last: 0 keeps every checkpoint, else how many of the newest pairs stay. */
function keepLastOption(v: string): number {
  return nonNegativeInt('keep-last', v);
}

function nonNegativeInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new InputError(`--${name} must be a non-negative integer, got ${v}`);
  return n;
}

/** Fails before any work when checkpoints could not be written to `out`. */
async function checkWritable(out: string): Promise<void> {
  try {
    await prepareOutputDir(out);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    const reason = e.message.startsWith(`${out}: `) ? e.message.slice(out.length + 2) : e.message;
    throw new InputError(`cannot write checkpoints to ${out}: ${reason}`);
  }
}

/** Throws a DatasetError unless --data (and --valid) name folders holding images; lists only, decodes nothing. */
async function checkDataFolders(o: TrainOptions): Promise<void> {
  const dirs = await resolveDatasetDirs(o.data, o.valid);
  for (const dir of [dirs.train, dirs.valid]) {
    if (dir === undefined) continue;
    try {
      await listImages(dir);
    } catch (e) {
      throw new DatasetError((e as Error).message);
    }
  }
}

/** The checkpoint to continue from: --resume, else the newest in --out, else none. */
async function resumeSource(o: TrainOptions): Promise<{ path: string; checkpoint: LoadedCheckpoint } | null> {
  const path = o.resume ?? (await findLatestCheckpoint(o.out));
  if (!path) return null;
  return { path, checkpoint: await readCheckpointFile(path) };
}

/** Settings of this run: the resumed run's, else the defaults, overridden by the options given. */
function baseConfig(o: TrainOptions, stored: TrainConfig | null): TrainConfig {
  const c: TrainConfig = { ...(stored ?? { ...TRAIN_DEFAULTS, diffusion: { ...TRAIN_DEFAULTS.diffusion } }) };
  if (o.width !== undefined) c.width = intOption('width', o.width, 1, LIMITS.width);
  if (o.crop !== undefined) c.crop = intOption('crop', o.crop, 8, LIMITS.crop);
  if (o.batch !== undefined) c.batch = intOption('batch', o.batch, 1, LIMITS.batch);
  if (o.microBatch !== undefined && o.microBatch !== 'auto') c.microBatch = intOption('micro-batch', o.microBatch, 1, c.batch);
  else if (o.microBatch === 'auto' || !stored) delete c.microBatch; // chosen by fitMicroBatch
  if (o.lr !== undefined) c.lr = positiveAtMost('lr', o.lr, LIMITS.lr);
  if (o.etaMin !== undefined) c.etaMin = nonNegative('eta-min', o.etaMin);
  if (o.seed !== undefined) c.seed = nonNegativeInt('seed', o.seed);
  if (o.evalEvery !== undefined) c.evalEvery = nonNegativeInt('eval-every', o.evalEvery);
  if (o.saveEvery !== undefined) c.saveEvery = nonNegativeInt('save-every', o.saveEvery);
  if (c.crop % 8) throw new InputError(`--crop must be a multiple of 8 (the model pools twice, then applies a Haar transform; LR is crop/4), got ${c.crop}`);
  return c;
}

/**
 * --epochs is the cosine schedule's length and a stop point; --steps only a stop point. Without
 * --epochs: the resumed run's epochs, or (fresh) 100; either way enough epochs to reach --steps.
 */
function withTarget(c: TrainConfig, o: TrainOptions, stored: TrainConfig | null, spe: number): TrainConfig {
  const steps = o.steps !== undefined ? intOption('steps', o.steps, 1, LIMITS.steps) : o.epochs !== undefined ? null : (stored?.steps ?? null);
  let epochs = o.epochs !== undefined ? intOption('epochs', o.epochs, 1, LIMITS.steps) : stored ? stored.epochs : steps !== null ? Math.ceil(steps / spe) : TRAIN_DEFAULTS.epochs;
  if (o.epochs === undefined && steps !== null) epochs = Math.max(epochs, Math.ceil(steps / spe));
  return { ...c, epochs, steps };
}

async function loadSets(o: TrainOptions, c: TrainConfig, log: TrainLog): Promise<{ train: ImageSet; valid: ImageSet | null }> {
  const dirs = await resolveDatasetDirs(o.data, o.valid);
  const cacheMb = o.cacheMb !== undefined ? nonNegativeInt('cache-mb', o.cacheMb) : defaultCacheMb();
  const load = async (dir: string, what: string, centreOnly: boolean) => {
    let bar: Progress | null = null;
    const onProgress = (done: number, total: number) => (bar ??= progressBar(total, 'images', { json: o.json, label: `decode ${what}`, command: 'train' })).update(done);
    try {
      return await ImageSet.load(dir, { crop: c.crop, cacheBytes: centreOnly ? Infinity : cacheMb * MB, centreOnly, onWarning: (m) => log.warn(m), onProgress });
    } finally {
      (bar as Progress | null)?.stop();
    }
  };
  const t0 = performance.now();
  const train = await load(dirs.train, 'training images', false);
  const valid = dirs.valid ? await load(dirs.valid, 'validation images', true) : null;
  const seconds = (performance.now() - t0) / 1000;
  const mb = (b: number) => (b / MB).toFixed(1);
  const cached = train.cachedCount === train.length ? 'all cached' : `${train.cachedCount} cached, the rest decoded on use (--cache-mb ${cacheMb})`;
  log.line('data', `data: ${train.length} training images in ${dirs.train} (${mb(train.totalBytes)} MB as 8-bit RGB; ${cached})${valid ? `; ${valid.length} validation centre crops from ${dirs.valid}` : ''}; decoded in ${seconds.toFixed(1)} s`, {
    train: dirs.train,
    images: train.length,
    cachedImages: train.cachedCount,
    cachedBytes: train.cachedBytes,
    totalBytes: train.totalBytes,
    valid: dirs.valid ?? null,
    validImages: valid?.length ?? 0,
    seconds,
  });
  return { train, valid };
}

async function runTrain(o: TrainOptions, log: TrainLog): Promise<number> {
  const threads = threadsOption(o.threads);
  if (o.steps !== undefined) intOption('steps', o.steps, 1, LIMITS.steps);
  if (o.epochs !== undefined) intOption('epochs', o.epochs, 1, LIMITS.steps);
  baseConfig(o, null); // bad option values fail before anything is created
  keepLastOption(o.keepLast);
  // so does a missing or empty data folder: the checkpoint folder is created only after this
  await checkDataFolders(o);
  await checkWritable(o.out);
  // one train per folder, held from before the newest checkpoint is chosen until the process ends
  const lock = await acquireCheckpointLock(o.out);
  try {
    const removed = await removeStaleTempFiles(o.out);
    if (removed.length) log.warn(`removed ${removed.length} temporary file(s) left in ${o.out} by killed runs`);
    return await runLocked(o, log, threads);
  } finally {
    await lock.release();
  }
}

async function runLocked(o: TrainOptions, log: TrainLog, threads: number | undefined): Promise<number> {
  const resume = await resumeSource(o);
  const stored = resume ? storedTrainConfig(resume.checkpoint, resume.path) : null;
  if (resume && !stored) throw new InputError(`${resume.path}: has no training state (a model-only checkpoint), so training cannot resume from it`);
  const base = baseConfig(o, stored);
  const backend = await selectBackend(o.backend, { threads, gpuMode: o.gpuMode, fma: o.fma });
  const fit = fitMicroBatch(base, backend, stored, getBackend(backend).maxElements);
  if ('error' in fit) throw new InputError(fit.error);
  const fitted = fit.config;
  const { train, valid } = await loadSets(o, fitted, log);
  const config = withTarget(fitted, o, stored, stepsPerEpoch(train.length, fitted.batch));
  const keepLast = keepLastOption(o.keepLast);
  const trainer = await Trainer.create({ config, train, valid, out: o.out, resume, keepLast: keepLast || undefined });
  try {
    if (trainer.datasetChanged) log.warn(`the training images differ from those ${resume!.path} was trained on; the run continues but is not a continuation bit for bit`);
    const p = trainer.position;
    log.line(
      'start',
      `${resume ? `resuming ${resume.path} at epoch ${p.epoch + 1}, step ${p.step}` : 'new run'}: width ${config.width}, crop ${config.crop}, batch ${config.batch}${config.microBatch !== config.batch ? ` (micro-batches of ${config.microBatch})` : ''}, ${trainer.stepsPerEpoch} steps/epoch, target ${trainer.targetSteps} steps (${config.epochs} epochs${config.steps !== null ? `, --steps ${config.steps}` : ''}), lr ${config.lr}, seed ${config.seed}, backend ${backend}; checkpoints in ${o.out}`,
      { backend, config, resume: resume?.path ?? null, epoch: p.epoch, step: p.step, stepsPerEpoch: trainer.stepsPerEpoch, targetSteps: trainer.targetSteps, out: o.out },
    );
    const stop = new AbortController();
    const onSignal = (sig: NodeJS.Signals) => {
      if (stop.signal.aborted) {
        console.error(`resshift-ts train: ${sig} again, exiting without saving`);
        process.exit(130);
      }
      log.warn(`${sig}: saving a checkpoint at the end of this step (send it again to quit at once)`);
      stop.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      log.startBar(p.step, trainer.targetSteps);
      const r = await trainer.run({ signal: stop.signal, onEvent: (e) => log.event(e) });
      log.finish(r);
      return r.status === 'done' ? 0 : r.status === 'interrupted' ? 130 : 1;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  } finally {
    trainer.dispose();
  }
}

const INPUT_ERRORS = [InputError, DatasetError, CheckpointFileError, CheckpointLockError, ResumeError, TrainConfigError];

/** `resshift-ts train`: trains the ResShift model on a folder of HR images, resumably. */
export function addTrainCommand(program: Command): void {
  program
    .command('train')
    .description('train the x4 ResShift model on HR images (random crops; LR made by bicubic down x4), resuming from the latest checkpoint in --out')
    .requiredOption('--data <dir>', 'folder of PNG/JPEG HR images, or a folder holding train/HR (and valid/HR) as datasets/DIV2K')
    .option('--valid <dir>', 'validation images (default: valid/HR beside train/HR)')
    .option('--width <n>', `model base channels, 1 to ${LIMITS.width} (default ${TRAIN_DEFAULTS.width})`)
    .option('--crop <n>', `HR training crop, a multiple of 8 up to ${LIMITS.crop} (default ${TRAIN_DEFAULTS.crop})`)
    .option('--batch <n>', `batch size, 1 to ${LIMITS.batch} (default ${TRAIN_DEFAULTS.batch})`)
    .option('--micro-batch <n>', 'items per forward/backward pass; gradients of the passes add up to the batch\'s (default: the largest that fits in memory, or the resumed run\'s)')
    .option('--epochs <n>', `epochs; also the cosine schedule length (default ${TRAIN_DEFAULTS.epochs}, or enough for --steps)`)
    .option('--steps <n>', 'stop after this many optimizer steps in total')
    .option('--lr <x>', `Adam learning rate, above 0 and at most ${LIMITS.lr} (default ${TRAIN_DEFAULTS.lr})`)
    .option('--eta-min <x>', `floor of the cosine annealing (default ${TRAIN_DEFAULTS.etaMin})`)
    .option('--seed <n>', `seed of initialisation, data order, crops, timesteps and noise (default ${TRAIN_DEFAULTS.seed})`)
    .option('--out <dir>', 'checkpoint folder', 'checkpoints')
    .option('--resume <path>', 'continue from this checkpoint (default: the newest in --out, if any)')
    .option('--eval-every <n>', `evaluate every N epochs, 0 never (default ${TRAIN_DEFAULTS.evalEvery})`)
    .option('--save-every <n>', `save a checkpoint every N epochs, 0 only at the end (default ${TRAIN_DEFAULTS.saveEvery})`)
    .option('--keep-last <n>', 'after each save, delete all but the newest n checkpoint pairs in --out (only files train names resshift_epoch_*); 0 keeps all', String(DEFAULT_KEEP_LAST))
    .option('--cache-mb <n>', 'memory for decoded training images, MB (default: a quarter of RAM, at most 4096)')
    .option('--backend <name>', BACKEND_NAMES, 'auto')
    .option('--gpu-mode <mode>', GPU_MODE_HELP)
    .option('--threads <n>', 'wasm worker threads, at most twice the cores (default: all cores)')
    .option('--fma', FMA_HELP)
    .option('--json', 'one JSON object per line on stdout (every step, epoch, evaluation, checkpoint)')
    .addHelpText('after', '\nExit codes: 0 done, 1 failure (e.g. a NaN loss), 2 bad input, 130 interrupted (a checkpoint of the current step is saved; run the same command to resume).')
    .action(async (o: TrainOptions) => {
      const log = new TrainLog(o.json ?? false);
      try {
        process.exitCode = await runTrain(o, log);
      } catch (e) {
        if (!INPUT_ERRORS.some((k) => e instanceof k)) throw e;
        const msg = (e as Error).message;
        if (o.json) log.line('error', '', { command: 'train', message: msg, exitCode: 2 });
        err(`resshift-ts train: ${msg}`);
        process.exitCode = 2;
      }
    });
}
