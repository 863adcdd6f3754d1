import { add, affine, mulScalar, noGrad, scope, sum, tensor, type Tensor } from '../tensor/index.js';
import { Rng } from '../tensor/rng.js';
import { augmentY0 } from './augment.js';
import { posterior } from './diffusion.js';
import type { DualDomainUNet } from './model.js';
import type { EtaSchedule } from './schedule.js';

/**
 * Where a tile sits in the whole image. Noise is a function of the global pixel position, so a
 * pixel gets the same noise whatever the tiling.
 */
export interface TileWindow {
  /** Size of the whole (upsampled) image. */
  fullH: number;
  fullW: number;
  /** Top-left corner of the tile in it. */
  y: number;
  x: number;
}

export interface SampleOptions {
  schedule: EtaSchedule;
  kappa: number;
  seed: number;
  /**
   * The network's timestep at each schedule step k (1..T): modelTimesteps[k - 1]. Set when the
   * schedule is a respaced subset of the one the model was trained on; the identity by default.
   */
  modelTimesteps?: readonly number[];
  /** Called after each reverse step with the step index (1..T, counting down). */
  onStep?: (t: number) => void;
}

/**
 * The reverse process produced NaN or an infinity (a checkpoint with absurd weights, say): the
 * run stops at the first such step instead of writing a black image and reporting scores of it.
 */
export class NonFiniteSampleError extends Error {
  constructor(
    message: string,
    /** Reverse step k of T (1 is the first, from x_T) and the model timestep it ran. */
    readonly step: number,
    readonly modelTimestep: number,
    readonly window?: TileWindow,
  ) {
    super(message);
    this.name = 'NonFiniteSampleError';
  }
}

/**
 * Whether every value of x is finite: x * 0 sums to NaN exactly when some value is NaN or
 * infinite. One awaited scalar read, so it works on every backend (a GPU included).
 */
async function allFinite(x: Tensor): Promise<boolean> {
  const s = noGrad(() => scope(() => sum(mulScalar(x, 0))));
  try {
    return Number.isFinite((await s.data())[0]);
  } finally {
    s.dispose();
  }
}

/** Noise stream of reverse step t; the prior x_T draws from step T + 1's. */
const noiseStream = (t: number) => 1000 + t;

/**
 * Standard normal noise for a [B, C, h, w] tile at `win`: value (b, c, y, x) is element
 * ((b C + c) fullH + y) fullW + x of one endless Philox stream per (seed, step).
 */
export function tileNoise(seed: number, stream: number, shape: readonly number[], win?: TileWindow): Float32Array {
  const [B, C, h, w] = shape;
  const fullH = win?.fullH ?? h;
  const fullW = win?.fullW ?? w;
  const y0 = win?.y ?? 0;
  const x0 = win?.x ?? 0;
  const out = new Float32Array(B * C * h * w);
  let o = 0;
  for (let plane = 0; plane < B * C; plane++) {
    for (let y = 0; y < h; y++) {
      const start = (plane * fullH + y0 + y) * fullW + x0;
      // each Philox block yields 4 normals; start at the block holding `start`
      const block = Math.floor(start / 4);
      const skip = start - block * 4;
      const row = new Float32Array(skip + w);
      Rng.fromState({ seed, stream, counter: block }).fillNormal(row);
      out.set(row.subarray(skip), o);
      o += w;
    }
  }
  return out;
}

/**
 * ResShift's reverse process from y0 (the bicubic upsample, in [-1, 1]): x_T = y0 + kappa
 * sqrt(eta_T) noise, then for t = T..1 the network predicts the residual, pred_x0 = y0 + residual
 * is clamped to [-1, 1] and x_{t-1} is drawn from the posterior (its mean at t = 1).
 */
export async function sample(model: DualDomainUNet, y0: Tensor, opts: SampleOptions, win?: TileWindow): Promise<Tensor> {
  const { schedule, kappa, seed } = opts;
  const T = schedule.T;
  const B = y0.shape[0];
  const like = { dtype: y0.dtype, backend: y0.backend };
  // the steps are queued on the backend; each is checked with one awaited read (scopes cannot
  // span an await, so what outlives a step is disposed by hand)
  const y0Aug = noGrad(() => scope(() => augmentY0(y0)));
  let x: Tensor | null = null;
  try {
    x = noGrad(() =>
      scope(() => {
        const prior = tensor(tileNoise(seed, noiseStream(T + 1), y0.shape, win), y0.shape, like);
        return add(y0, mulScalar(prior, kappa * schedule.sqrtEta[T]));
      }),
    );
    for (let t = T; t >= 1; t--) {
      const tModel = opts.modelTimesteps ? opts.modelTimesteps[t - 1] : t;
      const prev: Tensor = x;
      const next: Tensor = noGrad(() =>
        scope(() => {
          const residual = model.forward(prev, y0Aug, tensor(new Float32Array(B).fill(tModel), [B], like));
          const post = posterior(prev, y0, add(y0, residual), t, schedule, kappa);
          if (t === 1) return post.mean;
          const z = tensor(tileNoise(seed, noiseStream(t), y0.shape, win), y0.shape, like);
          return add(post.mean, affine(z, post.std));
        }),
      );
      prev.dispose();
      x = next;
      if (!(await allFinite(next))) {
        const [h, w] = y0.shape.slice(2);
        const where = win ? `the ${w}x${h} tile at x ${win.x}, y ${win.y} of the ${win.fullW}x${win.fullH} frame` : `the ${w}x${h} image`;
        throw new NonFiniteSampleError(
          `the sampler produced NaN or infinite values at reverse step ${T - t + 1} of ${T} (model timestep ${tModel}) in ${where}; the model's weights are probably broken`,
          T - t + 1, tModel, win,
        );
      }
      opts.onStep?.(t);
    }
    const out = x;
    x = null;
    return out;
  } finally {
    x?.dispose();
    y0Aug.dispose();
  }
}
