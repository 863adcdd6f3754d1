import { posterior, qSample } from '../../resshift/diffusion.js';
import { scheduleFromEta, type EtaSchedule } from '../../resshift/schedule.js';
import type { CaseContext } from '../context.js';
import type { CaseOutputs, GoldenHandler } from '../types.js';

function timesteps(values: ArrayLike<number>, what: string): number[] {
  return Array.from(values, (v) => {
    if (!Number.isInteger(v) || v < 0) throw new Error(`${what}: timestep ${v} is not a non-negative integer`);
    return v;
  });
}

/** The stored eta (and alpha when given) as the schedule, checked against args.T. */
function givenSchedule(ctx: CaseContext): EtaSchedule {
  const s = scheduleFromEta(ctx.host('eta').data);
  if (ctx.arg('T') !== undefined && ctx.int('T') !== s.T) throw new Error(`args.T=${ctx.int('T')} but eta has ${s.T + 1} entries`);
  if (ctx.has('alpha')) {
    const a = ctx.host('alpha').data;
    if (a.length !== s.eta.length) throw new Error(`alpha has ${a.length} entries, eta ${s.eta.length}`);
    s.alpha = Float32Array.from(a);
  }
  return s;
}

function forwardSample(ctx: CaseContext): CaseOutputs {
  ctx.onlyArgs(['T', 'kappa', 't']);
  const s = givenSchedule(ctx);
  const t = timesteps(ctx.host('t').data, 't');
  if (ctx.arg('t') !== undefined && JSON.stringify(ctx.numList('t')) !== JSON.stringify(t)) throw new Error(`args.t ${JSON.stringify(ctx.arg('t'))} differs from tensor t ${JSON.stringify(t)}`);
  const xt = qSample(ctx.input('x0'), ctx.input('y0'), t, ctx.input('noise'), s, ctx.num('kappa', 2));
  return new Map([['x_t', xt]]);
}

function reverseStep(ctx: CaseContext): CaseOutputs {
  ctx.onlyArgs(['T', 'kappa', 't']);
  const s = givenSchedule(ctx);
  const found: number[] = [];
  for (const n of ctx.names()) {
    const m = /^t(\d+)\.x_t$/.exec(n);
    if (m) found.push(Number(m[1]));
  }
  const steps = ctx.arg('t') === undefined ? found : timesteps(ctx.numList('t'), 'args.t');
  const kappa = ctx.num('kappa', 2);
  const out: CaseOutputs = new Map();
  for (const t of steps) {
    const p = posterior(ctx.input(`t${t}.x_t`), ctx.input(`t${t}.y0`), ctx.input(`t${t}.pred_x0`), t, s, kappa);
    out.set(`t${t}.pred_x0_clamped`, p.predX0Clamped);
    out.set(`t${t}.mean`, p.mean);
    out.set(`t${t}.variance`, { shape: [], data: Float32Array.of(p.variance) });
    out.set(`t${t}.std`, { shape: [], data: Float32Array.of(p.std) });
  }
  return out;
}

/** forward_sample (q(x_t | x0, y0) with given noise) and reverse_step (posterior mean/variance). */
export const diffusionHandler: GoldenHandler = {
  ops: ['forward_sample', 'reverse_step'],
  isGiven: (n) => ['eta', 'alpha', 't', 'x0', 'y0', 'noise'].includes(n) || /^t\d+\.(x_t|y0|pred_x0)$/.test(n),
  run: (ctx) => (ctx.op === 'forward_sample' ? forwardSample(ctx) : reverseStep(ctx)),
};
