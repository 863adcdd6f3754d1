import { scheduleFromEta, type EtaSchedule } from './schedule.js';

// Fewer reverse steps, as ResShift's SpacedDiffusion does: keep a subset of the timesteps, build
// the schedule from their eta values (so the posterior steps jump between kept timesteps), and
// give the network the original timestep of each kept one. With every timestep kept it is the
// plain process.

/** `steps` timesteps spread evenly over 1..T, always including 1 and T, ascending. */
export function respacedTimesteps(T: number, steps: number): number[] {
  if (!Number.isInteger(steps) || steps < 2 || steps > T) throw new Error(`steps must be an integer from 2 to ${T}, got ${steps}`);
  // the spacing is >= 1, so rounding never maps two steps to one timestep
  return Array.from({ length: steps }, (_, k) => 1 + Math.round((k * (T - 1)) / (steps - 1)));
}

export interface Respaced {
  schedule: EtaSchedule;
  /** Original timestep of each step of `schedule` (the sampler's modelTimesteps). */
  timesteps: number[];
}

/** The schedule for sampling with `steps` of the schedule's T steps (all of them by default). */
export function respace(schedule: EtaSchedule, steps = schedule.T): Respaced {
  const timesteps = respacedTimesteps(schedule.T, steps);
  if (steps === schedule.T) return { schedule, timesteps };
  return { schedule: scheduleFromEta([0, ...timesteps.map((t) => schedule.eta[t])]), timesteps };
}
