import { tensor, type Tensor } from '../tensor/index.js';
import type { Activations, DualDomainUNet } from './model.js';
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
  /** What the sampler calls; the same model when nothing was dropped. */
  model: DualDomainUNet;
  timesteps: number[];
}

/**
 * The schedule and model for sampling with `steps` of the schedule's T steps. The model is a view
 * that maps the sampler's step index k to the original timestep timesteps[k - 1] (the sampler
 * takes a DualDomainUNet, so the view delegates to it through the prototype chain).
 */
export function respace(model: DualDomainUNet, schedule: EtaSchedule, steps = schedule.T): Respaced {
  const timesteps = respacedTimesteps(schedule.T, steps);
  if (steps === schedule.T) return { schedule, model, timesteps };
  const sub = scheduleFromEta([0, ...timesteps.map((t) => schedule.eta[t])]);
  const view = Object.create(model) as DualDomainUNet;
  view.forward = (xt: Tensor, y0Aug: Tensor, t: Tensor, acts?: Activations) => {
    const original = Array.from(t.dataSync(), (k) => timesteps[k - 1]);
    return model.forward(xt, y0Aug, tensor(original, t.shape, { dtype: t.dtype, backend: t.backend }), acts);
  };
  return { schedule: sub, model: view, timesteps };
}
