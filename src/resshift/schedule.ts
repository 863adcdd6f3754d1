import { detExp, detLog, detPow } from '../tensor/detmath.js';

/** Diffusion settings of the reference ResShift run. kappa scales the noise; the schedule ignores it. */
export interface ResShiftConfig {
  /** Number of diffusion steps; eta has T + 1 entries with eta[0] = 0. */
  T: number;
  kappa: number;
  eta1: number;
  /** Power that bends the geometric schedule towards small t. */
  p: number;
  etaT: number;
}

export const DEFAULT_RESSHIFT_CONFIG: Readonly<ResShiftConfig> = Object.freeze({ T: 15, kappa: 2, eta1: 0.008, p: 0.3, etaT: 0.999 });

/** Float32 values, indexed by timestep 0..T, exactly as the reference stores them. */
export interface EtaSchedule {
  T: number;
  eta: Float32Array;
  /** alpha[t] = eta[t] - eta[t-1] (alpha[0] = 0), rounded to float32 like torch.diff. */
  alpha: Float32Array;
  sqrtEta: Float32Array;
}

/**
 * The reference notebook's schedule, eta[t] = eta1 (etaT/eta1)^(((t-1)/(T-1))^p), with its exact
 * NumPy 1.x arithmetic: eta1 is first stored as float32, every intermediate is a double, the
 * factor sqrt(eta[1]) is a float32 square root, and each eta[t] is rounded to float32. The
 * transcendental functions are the deterministic ones, so the stored values are the same on
 * every JS engine (checkpoints carry them).
 */
export function etaSchedule(cfg: Pick<ResShiftConfig, 'T' | 'p' | 'eta1' | 'etaT'> = DEFAULT_RESSHIFT_CONFIG): EtaSchedule {
  const { T, p, eta1, etaT } = cfg;
  if (!Number.isInteger(T) || T < 2) throw new Error(`etaSchedule: T must be an integer >= 2, got ${T}`);
  if (!(p > 0) || !Number.isFinite(p)) throw new Error(`etaSchedule: p must be positive, got ${p}`);
  if (!(eta1 > 0 && eta1 < etaT && etaT < 1)) throw new Error(`etaSchedule: need 0 < eta1 < etaT < 1, got eta1=${eta1}, etaT=${etaT}`);
  const eta = new Float32Array(T + 1);
  eta[1] = eta1;
  const e1 = eta[1]; // the float32 value, as a double
  const b0 = detExp((0.5 / (T - 1)) * detLog(etaT / e1));
  const sqrtE1 = Math.fround(Math.sqrt(e1));
  for (let t = 2; t <= T; t++) {
    const e = detPow((t - 1) / (T - 1), p);
    const v = sqrtE1 * detPow(b0, (T - 1) * e);
    eta[t] = v * v;
  }
  return scheduleFromEta(eta);
}

/** alpha and sqrt(eta) from stored float32 eta values (e.g. read from a checkpoint). */
export function scheduleFromEta(eta: ArrayLike<number>): EtaSchedule {
  const e = Float32Array.from(eta);
  if (e.length < 2 || e[0] !== 0) throw new Error(`scheduleFromEta: need eta[0] = 0 and at least one step, got ${e.length} values starting ${e[0]}`);
  const alpha = new Float32Array(e.length);
  const sqrtEta = new Float32Array(e.length);
  for (let t = 0; t < e.length; t++) {
    alpha[t] = t === 0 ? e[0] : e[t] - e[t - 1];
    sqrtEta[t] = Math.sqrt(e[t]);
  }
  return { T: e.length - 1, eta: e, alpha, sqrtEta };
}

/** Throws unless t is a valid timestep of the schedule. */
export function checkTimestep(s: EtaSchedule, t: number, min = 0): void {
  if (!Number.isInteger(t) || t < min || t > s.T) throw new Error(`timestep ${t} outside ${min}..${s.T}`);
}
