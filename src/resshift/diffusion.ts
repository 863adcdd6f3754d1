import { add, clamp, mul, tensor, type Tensor } from '../tensor/index.js';
import { shapeStr } from '../tensor/shape.js';
import { checkTimestep, type EtaSchedule } from './schedule.js';

// ResShift's forward and reverse Gaussian steps. The scalar factors are float32 values computed
// in the same order as the reference (0-dim float32 tensors multiplied left to right), so the
// results match it to the last bit on the reference backend. Noise is always passed in.

const f32 = Math.fround;

/** A [B, 1, ..., 1] float tensor (x's dtype and backend) holding one factor per batch item. */
function perItem(x: Tensor, values: number[]): Tensor {
  const shape = [values.length, ...x.shape.slice(1).map(() => 1)];
  return tensor(values, shape, { dtype: x.dtype, backend: x.backend });
}

function checkBatch(what: string, ts: readonly number[], xs: Tensor[]): void {
  const [x0] = xs;
  if (x0.rank < 1 || x0.shape[0] !== ts.length) throw new Error(`${what}: ${ts.length} timesteps for a batch of ${x0.rank ? x0.shape[0] : 0}`);
  for (const x of xs) if (x.shape.length !== x0.shape.length || x.shape.some((d, i) => d !== x0.shape[i])) throw new Error(`${what}: shapes ${xs.map((v) => shapeStr(v.shape)).join(', ')} differ`);
}

/**
 * x_t = (1 - eta_t) x0 + eta_t y0 + kappa sqrt(eta_t) noise, with t[i] the timestep of batch item i.
 */
export function qSample(x0: Tensor, y0: Tensor, t: readonly number[], noise: Tensor, schedule: EtaSchedule, kappa: number): Tensor {
  checkBatch('qSample', t, [x0, y0, noise]);
  for (const ti of t) checkTimestep(schedule, ti);
  const e = t.map((ti) => schedule.eta[ti]);
  const keep = perItem(x0, e.map((v) => f32(1 - v)));
  const shift = perItem(x0, e);
  const sigma = perItem(x0, e.map((v) => f32(f32(kappa) * f32(Math.sqrt(v)))));
  return add(add(mul(keep, x0), mul(shift, y0)), mul(sigma, noise));
}

/** The float32 scalars of the posterior q(x_{t-1} | x_t, x0) at step t >= 1. */
export interface PosteriorCoefficients {
  /** Factor of x_t: eta[t-1] / eta[t]. */
  xt: number;
  /** Factor of x0: (alpha[t] / eta[t]) (1 - eta[t-1]). */
  x0: number;
  /** Factor of y0: alpha[t] eta[t-1] / eta[t]. */
  y0: number;
  /** kappa^2 (eta[t-1] / eta[t]) alpha[t]; zero at t = 1. */
  variance: number;
  std: number;
}

export function posteriorCoefficients(schedule: EtaSchedule, t: number, kappa: number): PosteriorCoefficients {
  checkTimestep(schedule, t, 1);
  const et = schedule.eta[t];
  const et1 = schedule.eta[t - 1];
  const at = schedule.alpha[t];
  const ratio = f32(et1 / et);
  const variance = f32(f32(f32(kappa * kappa) * ratio) * at);
  return {
    xt: ratio,
    x0: f32(f32(at / et) * f32(1 - et1)),
    y0: f32(f32(at * et1) / et),
    variance,
    std: f32(Math.sqrt(variance)),
  };
}

export interface Posterior {
  predX0Clamped: Tensor;
  mean: Tensor;
  variance: number;
  std: number;
}

/**
 * Mean and variance of the reverse step from t to t-1 given the network's x0 prediction, which is
 * first clamped to [-1, 1] as the reference sampler does. At t = 1 the mean is the clamped
 * prediction and the variance is 0.
 */
export function posterior(xt: Tensor, y0: Tensor, predX0: Tensor, t: number, schedule: EtaSchedule, kappa: number): Posterior {
  checkBatch('posterior', Array.from({ length: xt.rank ? xt.shape[0] : 0 }, () => t), [xt, y0, predX0]);
  const c = posteriorCoefficients(schedule, t, kappa);
  const predX0Clamped = clamp(predX0, -1, 1);
  const s = (v: number) => tensor([v], [], { dtype: xt.dtype, backend: xt.backend });
  const mean = add(add(mul(s(c.xt), xt), mul(s(c.x0), predX0Clamped)), mul(s(c.y0), y0));
  return { predX0Clamped, mean, variance: c.variance, std: c.std };
}
