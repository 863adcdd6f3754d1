import { adamStep, keep, noGrad, zeros, type Tensor } from '../tensor/index.js';
import { shapeStr } from '../tensor/shape.js';

export interface AdamOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
}

/** Moments of one parameter, in the parameter's order. */
export interface AdamSlot {
  expAvg: Tensor;
  expAvgSq: Tensor;
}

/**
 * torch.optim.Adam without weight decay or amsgrad. The step count is shared by all parameters
 * (as it is in a checkpoint of a model trained with one optimizer).
 */
export class Adam {
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  step = 0;
  readonly slots: AdamSlot[];

  constructor(
    readonly params: readonly Tensor[],
    opts: AdamOptions = {},
  ) {
    this.lr = opts.lr ?? 1e-3;
    [this.beta1, this.beta2] = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    for (const [k, v] of Object.entries({ lr: this.lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps })) {
      if (!(v >= 0) || !Number.isFinite(v)) throw new Error(`Adam: invalid ${k} ${v}`);
    }
    this.slots = params.map((p) => ({
      expAvg: keep(zeros(p.shape, { dtype: p.dtype, backend: p.backend })),
      expAvgSq: keep(zeros(p.shape, { dtype: p.dtype, backend: p.backend })),
    }));
  }

  /** Applies one update from each parameter's .grad; parameters without a gradient are skipped. */
  stepWith(grads?: readonly (Tensor | null)[]): void {
    this.step++;
    noGrad(() => {
      this.params.forEach((p, i) => {
        const g = grads ? grads[i] : p.grad;
        if (!g) return;
        const { expAvg, expAvgSq } = this.slots[i];
        adamStep(p, expAvg, expAvgSq, g, { lr: this.lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps, step: this.step });
      });
    });
  }

  /** Replaces the moments and step (resuming from a checkpoint). Values are copied. */
  loadState(step: number, moments: readonly { expAvg: ArrayLike<number>; expAvgSq: ArrayLike<number> }[]): void {
    if (!Number.isInteger(step) || step < 0) throw new Error(`Adam.loadState: invalid step ${step}`);
    if (moments.length !== this.slots.length) throw new Error(`Adam.loadState: ${moments.length} moment pairs for ${this.slots.length} parameters`);
    moments.forEach((m, i) => {
      const slot = this.slots[i];
      for (const [name, src] of [['exp_avg', m.expAvg], ['exp_avg_sq', m.expAvgSq]] as const) {
        if (src.length !== slot.expAvg.size) {
          throw new Error(`Adam.loadState: ${name} of parameter ${i} has ${src.length} values, parameter ${shapeStr(this.params[i].shape)} needs ${slot.expAvg.size}`);
        }
      }
      const s = slot.expAvg.storage;
      s.backend.write(s.buf, m.expAvg);
      const q = slot.expAvgSq.storage;
      q.backend.write(q.buf, m.expAvgSq);
    });
    this.step = step;
  }

  dispose(): void {
    for (const s of this.slots) {
      s.expAvg.dispose();
      s.expAvgSq.dispose();
    }
  }
}
