import { checkDiffusionConfig, DEFAULT_RESSHIFT_CONFIG, type ResShiftConfig } from './schedule.js';

/** Everything that defines a training run; stored in every checkpoint it writes. */
export interface TrainConfig {
  /** Base channels of the DualDomainUNet. */
  width: number;
  /** Side of the square HR training crop (multiple of 8). */
  crop: number;
  batch: number;
  /**
   * Items per forward/backward pass (gradient accumulation; see trainStep). Absent: the whole
   * batch in one pass, as runs before micro-batches. Changing it on resume changes only float
   * rounding, so it is allowed, but the continuation is then not bit for bit.
   */
  microBatch?: number;
  lr: number;
  /** Floor of the cosine annealing. */
  etaMin: number;
  /** Max gradient L2 norm (clip_grad_norm_). */
  clip: number;
  /** Epochs to train; also T_max of the cosine annealing (one scheduler step per epoch). */
  epochs: number;
  /** Stop after this many optimizer steps in total (null: run all epochs). */
  steps: number | null;
  seed: number;
  /** Save a checkpoint every N epochs (0: only at the end and on interruption). */
  saveEvery: number;
  /** Evaluate on the validation set every N epochs (0: never). */
  evalEvery: number;
  diffusion: ResShiftConfig;
}

export const TRAIN_DEFAULTS: Readonly<Omit<TrainConfig, 'diffusion'>> & { diffusion: Readonly<ResShiftConfig> } = Object.freeze({
  width: 64,
  crop: 256,
  batch: 8,
  lr: 1e-4,
  etaMin: 1e-7,
  clip: 1,
  epochs: 100,
  steps: null,
  seed: 0,
  saveEvery: 1,
  // a full reverse process per validation image costs about T/3 training steps per image
  evalEvery: 5,
  diffusion: DEFAULT_RESSHIFT_CONFIG,
});

/** A training setting that cannot work; one line naming it. */
export class TrainConfigError extends Error {}

export function checkTrainConfig(c: TrainConfig): void {
  const posInt = (k: keyof TrainConfig, v: unknown) => {
    if (!Number.isInteger(v) || (v as number) < 1) throw new TrainConfigError(`${k} must be a positive integer, got ${String(v)}`);
  };
  const nonNegInt = (k: keyof TrainConfig, v: unknown) => {
    if (!Number.isInteger(v) || (v as number) < 0) throw new TrainConfigError(`${k} must be a non-negative integer, got ${String(v)}`);
  };
  posInt('width', c.width);
  posInt('crop', c.crop);
  if (c.crop % 8) throw new TrainConfigError(`crop must be a multiple of 8 (the model pools twice, then applies a Haar transform; LR is crop/4), got ${c.crop}`);
  posInt('batch', c.batch);
  if (c.microBatch !== undefined) {
    posInt('microBatch', c.microBatch);
    if (c.microBatch > c.batch) throw new TrainConfigError(`micro-batch ${c.microBatch} is larger than the batch ${c.batch}`);
  }
  posInt('epochs', c.epochs);
  if (c.steps !== null) posInt('steps', c.steps);
  if (!Number.isSafeInteger(c.seed) || c.seed < 0) throw new TrainConfigError(`seed must be an integer in [0, 2^53), got ${c.seed}`);
  nonNegInt('saveEvery', c.saveEvery);
  nonNegInt('evalEvery', c.evalEvery);
  if (!(c.lr > 0) || !Number.isFinite(c.lr)) throw new TrainConfigError(`lr must be a positive number, got ${c.lr}`);
  if (!(c.etaMin >= 0) || !(c.etaMin <= c.lr)) throw new TrainConfigError(`eta-min must be in [0, lr], got ${c.etaMin}`);
  if (!(c.clip > 0) || !Number.isFinite(c.clip)) throw new TrainConfigError(`clip must be a positive number, got ${c.clip}`);
  // T, kappa, p, eta1, etaT within sane bounds before a schedule or a step is computed
  try {
    checkDiffusionConfig(c.diffusion);
  } catch (e) {
    throw new TrainConfigError((e as Error).message);
  }
}

/** Settings a resumed run must share with the checkpoint; the rest may change between runs. */
const RUN_KEYS = ['width', 'crop', 'batch', 'lr', 'etaMin', 'clip', 'seed'] as const;

/** Null when `now` may continue `stored`, else a one-line description of the differences. */
export function configMismatch(stored: TrainConfig, now: TrainConfig): string | null {
  const diffs: string[] = RUN_KEYS.filter((k) => stored[k] !== now[k]).map((k) => `${k} ${now[k]} (checkpoint: ${stored[k]})`);
  for (const k of Object.keys(now.diffusion) as (keyof ResShiftConfig)[]) {
    if (stored.diffusion?.[k] !== now.diffusion[k]) diffs.push(`diffusion.${k} ${now.diffusion[k]} (checkpoint: ${stored.diffusion?.[k]})`);
  }
  return diffs.length ? `settings differ from the run being resumed: ${diffs.join(', ')}; use another --out to start a new run` : null;
}
