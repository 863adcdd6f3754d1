import { cosineAnnealingLr } from '../../nn/lr.js';
import { Adam, clipGradNorm } from '../../nn/index.js';
import { expand, type Tensor } from '../../tensor/index.js';
import type { CaseContext } from '../context.js';
import { ADAM_MOMENT, ADAM_PARAM, LEARNING_RATE, SINGLE_OP } from '../tolerance.js';
import type { CaseOutputs, GoldenHandler } from '../types.js';

/** Indices N of the given tensors named `<prefix>N<suffix>`, checked to be 0..count-1. */
function indices(ctx: CaseContext, prefix: string, suffix: string, countArg: string): number[] {
  const found: number[] = [];
  for (const n of ctx.names()) {
    if (n.startsWith(prefix) && n.endsWith(suffix)) {
      const mid = n.slice(prefix.length, n.length - suffix.length);
      if (/^\d+$/.test(mid)) found.push(Number(mid));
    }
  }
  found.sort((a, b) => a - b);
  if (found.some((v, i) => v !== i)) throw new Error(`${prefix}N${suffix} tensors are not numbered 0..${found.length - 1}`);
  if (ctx.arg(countArg) !== undefined && ctx.int(countArg) !== found.length) throw new Error(`args.${countArg}=${ctx.int(countArg)} but the case holds ${found.length}`);
  if (!found.length) throw new Error(`case holds no ${prefix}N${suffix} tensors`);
  return found;
}

// A snapshot: the optimizer keeps updating its tensors in place.
const copy = (t: Tensor) => expand(t, t.shape);

function adam(ctx: CaseContext): CaseOutputs {
  ctx.onlyArgs(['lr', 'betas', 'eps', 'weight_decay', 'amsgrad', 'maximize', 'initial_step', 'steps', 'num_params', 'foreach', 'capturable', 'differentiable', 'fused']);
  ctx.requireDefault('weight_decay', (v) => v === 0, 'weight_decay=0');
  ctx.requireDefault('amsgrad', (v) => v === false, 'amsgrad=False');
  ctx.requireDefault('maximize', (v) => v === false, 'maximize=False');
  const betas = ctx.numList('betas', [0.9, 0.999]);
  if (betas.length !== 2) throw new Error(`betas must hold two values, got ${JSON.stringify(betas)}`);
  const ids = indices(ctx, 'p', '.init', 'num_params');
  const steps = ctx.int('steps');
  const initialStep = ctx.int('initial_step', 0);
  const params = ids.map((i) => ctx.input(`p${i}.init`));
  const opt = new Adam(params, { lr: ctx.num('lr', 1e-3), betas: [betas[0], betas[1]], eps: ctx.num('eps', 1e-8) });
  try {
    if (initialStep > 0) {
      opt.loadState(
        initialStep,
        ids.map((i) => ({ expAvg: ctx.host(`p${i}.exp_avg.init`).data, expAvgSq: ctx.host(`p${i}.exp_avg_sq.init`).data })),
      );
    }
    const out: CaseOutputs = new Map();
    for (let k = 1; k <= steps; k++) {
      opt.stepWith(ids.map((i) => ctx.input(`p${i}.grad.step${k}`)));
      for (const i of ids) {
        out.set(`p${i}.param.step${k}`, copy(params[i]));
        out.set(`p${i}.exp_avg.step${k}`, copy(opt.slots[i].expAvg));
        out.set(`p${i}.exp_avg_sq.step${k}`, copy(opt.slots[i].expAvgSq));
      }
    }
    return out;
  } finally {
    opt.dispose();
  }
}

function clip(ctx: CaseContext): CaseOutputs {
  ctx.onlyArgs(['max_norm', 'norm_type', 'num_params', 'error_if_nonfinite', 'foreach']);
  ctx.requireDefault('norm_type', (v) => v === 2, 'norm_type=2');
  const ids = indices(ctx, 'g', '.before', 'num_params');
  const { totalNorm, clipped } = clipGradNorm(ids.map((i) => ctx.input(`g${i}.before`)), ctx.num('max_norm'));
  const out: CaseOutputs = new Map([['total_norm', totalNorm]]);
  ids.forEach((i, j) => out.set(`g${i}.after`, clipped[j]));
  return out;
}

function cosine(ctx: CaseContext): CaseOutputs {
  ctx.onlyArgs(['base_lr', 'T_max', 'eta_min']);
  const opts = { baseLr: ctx.num('base_lr'), tMax: ctx.num('T_max'), etaMin: ctx.num('eta_min', 0) };
  const epoch = ctx.host('epoch');
  const lr = Float32Array.from(epoch.data, (e) => cosineAnnealingLr(e, opts));
  return new Map([['lr', { shape: [...epoch.shape], data: lr }]]);
}

/** adam (steps from a fresh or resumed state), clip_grad_norm_ and cosine_annealing_lr. */
export const optimHandler: GoldenHandler = {
  ops: ['adam', 'clip_grad_norm_', 'cosine_annealing_lr'],
  isGiven: (n) => /^p\d+\.(init|grad\.step\d+|exp_avg\.init|exp_avg_sq\.init)$/.test(n) || /^g\d+\.before$/.test(n) || n === 'epoch',
  tolerance(n, op) {
    if (op === 'adam' && /^p\d+\.param\./.test(n)) return ADAM_PARAM;
    if (op === 'adam' && /^p\d+\.exp_avg(_sq)?\./.test(n)) return ADAM_MOMENT;
    if (op === 'cosine_annealing_lr' && n === 'lr') return LEARNING_RATE;
    return SINGLE_OP;
  },
  run(ctx: CaseContext) {
    if (ctx.op === 'adam') return adam(ctx);
    return ctx.op === 'clip_grad_norm_' ? clip(ctx) : cosine(ctx);
  },
};
