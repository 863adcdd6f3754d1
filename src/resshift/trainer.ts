// The training loop. Its state at every step boundary is a small JSON object (TrainPosition)
// plus the model and Adam's moments, and a checkpoint stores all of it, so a run resumed from any
// checkpoint continues bit for bit as if it had never stopped: the data order is a function of
// (seed, epoch), the per-epoch generators are restored from their counters, the learning rate
// is a function of the epoch, and evaluation has its own generator.
import { randomUUID } from 'node:crypto';
import { Adam } from '../nn/adam.js';
import { cosineAnnealingLr } from '../nn/lr.js';
import { Rng } from '../tensor/rng.js';
import type { LoadedCheckpoint } from './checkpoint.js';
import { loadOptimizerFile, modelFromCheckpointFile, pruneCheckpoints, saveCheckpoint } from './checkpoint-files.js';
import type { ImageSet } from './data.js';
import { DualDomainUNet } from './model.js';
import { etaSchedule, type EtaSchedule, type ResShiftConfig } from './schedule.js';
import { drawBatch, epochOrder, epochRngs, rngsFromStates, rngStates, stepsPerEpoch, STREAM_INIT, type Batch, type EpochRngs, type EpochRngStates } from './train-batch.js';
import { evaluateCrops, type EvalSummary } from './train-eval.js';
import { trainStep } from './train-step.js';
import { checkTrainConfig, configMismatch, type TrainConfig } from './train-config.js';

export { checkTrainConfig, TrainConfigError, TRAIN_DEFAULTS, type TrainConfig } from './train-config.js';

export const TRAIN_STATE_VERSION = 1;

/** Where a run stands between two steps. */
export interface TrainPosition {
  /** Completed epochs. */
  epoch: number;
  /** Batches done in the current epoch. */
  stepInEpoch: number;
  /** Optimizer steps in total (Adam's step count). */
  step: number;
  /** The current epoch's generators at this boundary. */
  rng: EpochRngStates;
  /** Sum of this epoch's step losses so far, for its log line. */
  epochLossSum: number;
}

/** `train` metadata of a checkpoint written by the trainer. */
export interface TrainMeta {
  version: number;
  config: TrainConfig;
  position: TrainPosition;
  /** Learning rate of the current epoch (informative: it is a function of the position). */
  lr: number;
  /** Image names and sizes of the training set when the checkpoint was written. */
  dataset: string;
}

export type TrainEvent =
  | { type: 'step'; step: number; epoch: number; stepInEpoch: number; stepsPerEpoch: number; loss: number; gradNorm: number; lr: number; seconds: number }
  | { type: 'epoch'; epoch: number; loss: number; lr: number; steps: number; seconds: number }
  | { type: 'eval'; epoch: number; step: number; seconds: number; result: EvalSummary }
  | { type: 'checkpoint'; path: string; epoch: number; step: number; removed: string[] };

export interface TrainResult {
  status: 'done' | 'interrupted' | 'diverged';
  epoch: number;
  step: number;
  /** The newest checkpoint of the run (for 'diverged': the last good one), if any. */
  checkpoint: string | null;
  /** For 'diverged': one line saying which step and what. */
  message?: string;
}

export interface TrainerInit {
  config: TrainConfig;
  train: ImageSet;
  /** Checkpoint folder. */
  out: string;
  resume?: { path: string; checkpoint: LoadedCheckpoint } | null;
  /** Validation images: load with centreOnly. */
  valid?: ImageSet | null;
  /** After each save, delete all but this many newest checkpoint pairs in `out` (default: keep all). */
  keepLast?: number;
  /** Called on each batch before its step (tests inject bad values through it). */
  mapBatch?: (b: Batch, step: number) => void;
}

export class Trainer {
  readonly stepsPerEpoch: number;
  /**
   * This session's id, written with the step into both files of each checkpoint it saves. New
   * for every Trainer, resumed or not: with the step it names exactly one save.
   */
  readonly runId = randomUUID();
  readonly schedule: EtaSchedule;
  private order: number[];
  private rngs: EpochRngs;
  private lastSaved: { path: string; step: number } | null;

  private constructor(
    readonly init: TrainerInit,
    readonly config: TrainConfig,
    readonly model: DualDomainUNet,
    readonly optimizer: Adam,
    private pos: TrainPosition,
  ) {
    this.stepsPerEpoch = stepsPerEpoch(init.train.length, config.batch);
    this.schedule = etaSchedule(config.diffusion);
    this.order = epochOrder(config.seed, pos.epoch, init.train.length);
    this.rngs = rngsFromStates(pos.rng, config.seed, pos.epoch);
    this.lastSaved = init.resume ? { path: init.resume.path, step: pos.step } : null;
  }

  /** A fresh run, or the run of `init.resume` continued (its settings must match `config`). */
  static async create(init: TrainerInit): Promise<Trainer> {
    const config = init.config;
    checkTrainConfig(config);
    if (!init.resume) {
      const model = new DualDomainUNet({ baseChannels: config.width }, { rng: new Rng(config.seed, STREAM_INIT) });
      const pos: TrainPosition = { epoch: 0, stepInEpoch: 0, step: 0, rng: rngStates(epochRngs(config.seed, 0)), epochLossSum: 0 };
      return new Trainer(init, config, model, new Adam(model.parameters(), { lr: config.lr }), pos);
    }
    const { path, checkpoint: ck } = init.resume;
    const meta = trainMetaOf(path, ck);
    const diff = configMismatch(meta.config, config);
    if (diff) throw new ResumeError(`${path}: ${diff}`);
    const model = modelFromCheckpointFile(path, ck);
    const optimizer = new Adam(model.parameters(), { lr: config.lr });
    try {
      await loadOptimizerFile(path, ck, model, optimizer);
      if (optimizer.step !== meta.position.step) throw new ResumeError(`${path}: optimizer file is at step ${optimizer.step}, the checkpoint at ${meta.position.step}`);
      const spe = stepsPerEpoch(init.train.length, config.batch);
      if (meta.position.stepInEpoch > spe) throw new ResumeError(`${path}: stopped at batch ${meta.position.stepInEpoch} of an epoch, but the data now gives ${spe} batches per epoch`);
      return new Trainer(init, config, model, optimizer, structuredClone(meta.position));
    } catch (e) {
      model.dispose();
      optimizer.dispose();
      if (e instanceof Error && !(e instanceof ResumeError) && /RNG state/.test(e.message)) throw new ResumeError(`${path}: ${e.message}`);
      throw e;
    }
  }

  get position(): Readonly<TrainPosition> {
    return this.pos;
  }
  /** Optimizer steps at which the run ends. */
  get targetSteps(): number {
    const byEpochs = this.config.epochs * this.stepsPerEpoch;
    return this.config.steps === null ? byEpochs : Math.min(this.config.steps, byEpochs);
  }
  /** Learning rate of the current epoch. */
  get lr(): number {
    return cosineAnnealingLr(this.pos.epoch, { baseLr: this.config.lr, tMax: this.config.epochs, etaMin: this.config.etaMin });
  }
  /** Whether the training data differ from those the resumed checkpoint was trained on. */
  get datasetChanged(): boolean {
    const m = this.init.resume?.checkpoint.meta.train as TrainMeta | undefined;
    return m !== undefined && m.dataset !== this.init.train.fingerprint();
  }

  /**
   * Trains until the target (config.steps / config.epochs) or until `signal` aborts; an abort is
   * honoured at the next step boundary, which is then saved as a checkpoint.
   */
  async run(o: { signal?: AbortSignal; onEvent?: (e: TrainEvent) => void } = {}): Promise<TrainResult> {
    const emit = o.onEvent ?? (() => {});
    let epochStart = performance.now();
    for (;;) {
      if (this.pos.stepInEpoch === this.stepsPerEpoch) {
        await this.finishEpoch(emit, (performance.now() - epochStart) / 1000);
        epochStart = performance.now();
      }
      if (this.pos.step >= this.targetSteps) break;
      if (o.signal?.aborted) return { status: 'interrupted', ...this.where(), checkpoint: await this.saveIfNew(emit) };
      const t0 = performance.now();
      const batch = await drawBatch(this.init.train, this.order, this.pos.stepInEpoch, this.config.batch, this.schedule.T, this.rngs);
      this.init.mapBatch?.(batch, this.pos.step + 1);
      const lr = this.lr;
      const r = await trainStep(this.model, this.optimizer, batch, { schedule: this.schedule, kappa: this.config.diffusion.kappa, lr, clip: this.config.clip, microBatch: this.config.microBatch });
      if (!r.ok) {
        // the generators advanced while drawing the batch; restore them so the state stays the last boundary's
        this.rngs = rngsFromStates(this.pos.rng, this.config.seed, this.pos.epoch);
        const n = this.pos.step + 1;
        const where = `step ${n} (epoch ${this.pos.epoch + 1}, batch ${this.pos.stepInEpoch + 1}: ${batch.names.join(', ')})`;
        const last = this.lastSaved?.path ?? null;
        return {
          status: 'diverged',
          ...this.where(),
          checkpoint: last,
          message: `${r.what} is ${r.value} at ${where}; stopped${last ? `, last good checkpoint ${last}` : ', no checkpoint written yet'}`,
        };
      }
      this.pos.step++;
      this.pos.stepInEpoch++;
      this.pos.epochLossSum += r.loss;
      this.pos.rng = rngStates(this.rngs);
      emit({ type: 'step', step: this.pos.step, epoch: this.pos.epoch + 1, stepInEpoch: this.pos.stepInEpoch, stepsPerEpoch: this.stepsPerEpoch, loss: r.loss, gradNorm: r.gradNorm, lr, seconds: (performance.now() - t0) / 1000 });
      // lets a signal handler run between steps
      await new Promise((res) => setImmediate(res));
    }
    return { status: 'done', ...this.where(), checkpoint: await this.saveIfNew(emit) };
  }

  /** Evaluates the current model on the validation set (null without one). */
  async evaluate(): Promise<EvalSummary | null> {
    if (!this.init.valid?.length) return null;
    return evaluateCrops(this.model, this.init.valid, { schedule: this.schedule, kappa: this.config.diffusion.kappa, seed: this.config.seed });
  }

  dispose(): void {
    this.model.dispose();
    this.optimizer.dispose();
  }

  private where(): { epoch: number; step: number } {
    return { epoch: this.pos.epoch, step: this.pos.step };
  }

  private async finishEpoch(emit: (e: TrainEvent) => void, seconds: number): Promise<void> {
    const lr = this.lr;
    const loss = this.pos.epochLossSum / this.stepsPerEpoch;
    const epoch = this.pos.epoch + 1;
    this.rngs = epochRngs(this.config.seed, epoch);
    this.order = epochOrder(this.config.seed, epoch, this.init.train.length);
    this.pos = { epoch, stepInEpoch: 0, step: this.pos.step, rng: rngStates(this.rngs), epochLossSum: 0 };
    emit({ type: 'epoch', epoch, loss, lr, steps: this.stepsPerEpoch, seconds });
    const { evalEvery, saveEvery } = this.config;
    if (evalEvery > 0 && epoch % evalEvery === 0 && this.init.valid?.length) {
      const t0 = performance.now();
      const result = (await this.evaluate())!;
      emit({ type: 'eval', epoch, step: this.pos.step, seconds: (performance.now() - t0) / 1000, result });
    }
    if (saveEvery > 0 && epoch % saveEvery === 0) await this.saveIfNew(emit);
  }

  /** Saves the current position unless it is already on disk; returns the newest checkpoint. */
  private async saveIfNew(emit: (e: TrainEvent) => void): Promise<string | null> {
    if (this.lastSaved?.step === this.pos.step) return this.lastSaved.path;
    const meta: TrainMeta = { version: TRAIN_STATE_VERSION, config: this.config, position: this.pos, lr: this.lr, dataset: this.init.train.fingerprint() };
    const path = await saveCheckpoint(this.init.out, {
      epoch: this.pos.epoch,
      step: this.pos.stepInEpoch === 0 ? undefined : this.pos.step,
      model: this.model,
      optimizer: this.optimizer,
      runId: this.runId,
      meta: { model: this.model.config, diffusion: this.config.diffusion, train: meta as unknown as Record<string, unknown> },
    });
    this.lastSaved = { path, step: this.pos.step };
    // only after the new pair is wholly on disk, so a failed save never costs an older one
    const removed = this.init.keepLast ? await pruneCheckpoints(this.init.out, this.init.keepLast, path) : [];
    emit({ type: 'checkpoint', path, epoch: this.pos.epoch, step: this.pos.step, removed });
    return path;
  }
}

/** A checkpoint that cannot continue this run; one line naming the file. */
export class ResumeError extends Error {}

function trainMetaOf(path: string, ck: LoadedCheckpoint): TrainMeta {
  const m = ck.meta.train as Partial<TrainMeta> | undefined;
  if (!m || typeof m !== 'object' || !m.config || !m.position) throw new ResumeError(`${path}: has no training state (a model-only checkpoint), so training cannot resume from it`);
  if (m.version !== TRAIN_STATE_VERSION) throw new ResumeError(`${path}: training state version ${m.version}, this build reads ${TRAIN_STATE_VERSION}`);
  const p = m.position;
  const ints = [p.epoch, p.stepInEpoch, p.step];
  if (!ints.every((v) => Number.isInteger(v) && (v as number) >= 0) || typeof p.epochLossSum !== 'number') throw new ResumeError(`${path}: training position is malformed`);
  if (ck.meta.model.baseChannels !== m.config.width) throw new ResumeError(`${path}: model width ${ck.meta.model.baseChannels} differs from its training config's ${m.config.width}`);
  if (ck.meta.run && ck.meta.run.step !== p.step) throw new ResumeError(`${path}: metadata step ${ck.meta.run.step} differs from its training position's step ${p.step}`);
  checkStoredConfig(path, m.config);
  return m as TrainMeta;
}

function checkStoredConfig(path: string, c: TrainConfig): void {
  try {
    checkTrainConfig(c);
  } catch (e) {
    throw new ResumeError(`${path}: stored training settings are invalid (${(e as Error).message})`);
  }
}

/**
 * The training settings stored in a checkpoint, if it has any; checked (ResumeError naming
 * `path`) so that a bad stored setting stops a run before any data is loaded.
 */
export function storedTrainConfig(ck: LoadedCheckpoint, path = 'checkpoint'): (TrainConfig & { diffusion: ResShiftConfig }) | null {
  const m = ck.meta.train as Partial<TrainMeta> | undefined;
  if (!m?.config) return null;
  checkStoredConfig(path, m.config);
  return m.config;
}
