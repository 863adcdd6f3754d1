import { detExp, detLog, detPow } from '../math/detmath.js';

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

/**
 * Bounds on settings read from files (checkpoints, golden cases), checked before anything is
 * built from them. Every reverse step is a full model evaluation, so 10,000 steps (the most a
 * DDPM-style schedule uses) is already days of sampling; a larger T only allocates and loops.
 * kappa is the noise's standard deviation in units of the [-1, 1] image range (the reference
 * uses 2): beyond 100 the image is lost in the noise, and kappa^2 overflows float32 near 1e19.
 * eta1 must stay a normal float32 (its square root and log are taken), and p is an exponent
 * applied to values in [0, 1] (the reference uses 0.3).
 */
export const DIFFUSION_BOUNDS = Object.freeze({ maxT: 10_000, maxKappa: 100, minEta1: 1e-30, maxP: 100 });

const DIFFUSION_KEYS: readonly (keyof ResShiftConfig)[] = ['T', 'kappa', 'eta1', 'p', 'etaT'];

/** One-line reason why schedule settings cannot be used, or null. */
function scheduleProblem(c: Pick<ResShiftConfig, 'T' | 'p' | 'eta1' | 'etaT'>): string | null {
  const { T, p, eta1, etaT } = c;
  if (!Number.isInteger(T) || T < 2 || T > DIFFUSION_BOUNDS.maxT) return `T must be an integer in 2..${DIFFUSION_BOUNDS.maxT}, got ${T}`;
  if (typeof p !== 'number' || !(p > 0 && p <= DIFFUSION_BOUNDS.maxP)) return `p must be in (0, ${DIFFUSION_BOUNDS.maxP}], got ${p}`;
  if (typeof eta1 !== 'number' || typeof etaT !== 'number' || !(eta1 >= DIFFUSION_BOUNDS.minEta1 && eta1 < etaT && etaT < 1)) {
    return `need ${DIFFUSION_BOUNDS.minEta1} <= eta1 < etaT < 1, got eta1=${eta1}, etaT=${etaT}`;
  }
  return null;
}

/**
 * Checks diffusion settings read from a file (every key present, numbers within
 * DIFFUSION_BOUNDS, no unknown keys) and returns them; the error is one line naming the setting.
 */
export function checkDiffusionConfig(v: unknown): ResShiftConfig {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`diffusion settings must be an object, got ${JSON.stringify(v)}`);
  const o = v as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !(DIFFUSION_KEYS as readonly string[]).includes(k));
  if (unknown.length) throw new Error(`diffusion settings: unknown ${unknown.join(', ')}`);
  for (const k of DIFFUSION_KEYS) {
    if (typeof o[k] !== 'number') throw new Error(`diffusion.${k} must be a number, got ${JSON.stringify(o[k])}`);
  }
  const c = o as unknown as ResShiftConfig;
  const bad = scheduleProblem(c);
  if (bad) throw new Error(`diffusion.${bad}`);
  if (!(c.kappa > 0 && c.kappa <= DIFFUSION_BOUNDS.maxKappa)) throw new Error(`diffusion.kappa must be in (0, ${DIFFUSION_BOUNDS.maxKappa}], got ${c.kappa}`);
  return { T: c.T, kappa: c.kappa, eta1: c.eta1, p: c.p, etaT: c.etaT };
}

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
  // checked before the T + 1 entries are allocated
  const bad = scheduleProblem(cfg);
  if (bad) throw new Error(`etaSchedule: ${bad}`);
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
