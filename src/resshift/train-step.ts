import type { Adam } from '../nn/adam.js';
import { clipGradNorm_ } from '../nn/clip.js';
import { add, backward, scope, tensor, zeroGrad, type Tensor } from '../tensor/index.js';
import { augmentY0 } from './augment.js';
import { qSample } from './diffusion.js';
import { multiscaleLoss } from './loss.js';
import type { DualDomainUNet } from './model.js';
import type { EtaSchedule } from './schedule.js';
import type { Batch } from './train-batch.js';

export interface StepSettings {
  schedule: EtaSchedule;
  kappa: number;
  lr: number;
  clip: number;
}

export type StepResult = { ok: true; loss: number; gradNorm: number } | { ok: false; what: 'loss' | 'gradient norm'; value: number };

/**
 * One optimizer step as the reference does it: x_t = qSample(x0, y0, t, noise),
 * pred_x0 = y0 + model(x_t, augmentY0(y0), t), multiscale loss, backward, clip_grad_norm_, Adam.
 * A non-finite loss or gradient norm leaves the model and optimizer untouched: the state stays
 * the last good one.
 */
export function trainStep(model: DualDomainUNet, opt: Adam, b: Batch, s: StepSettings): StepResult {
  const params = model.parameters();
  try {
    return scope((): StepResult => {
      const shape = [b.size, 3, b.crop, b.crop];
      const x0 = tensor(b.x0, shape);
      const y0 = tensor(b.y0, shape);
      const xt = qSample(x0, y0, b.t, tensor(b.noise, shape), s.schedule, s.kappa);
      const pred = add(y0, model.forward(xt, augmentY0(y0), tensor(Float32Array.from(b.t), [b.size])));
      const loss = multiscaleLoss(pred, x0);
      const lossValue = loss.item();
      if (!Number.isFinite(lossValue)) return { ok: false, what: 'loss', value: lossValue };
      backward(loss);
      let norm: Tensor | null = null;
      try {
        norm = clipGradNorm_(params, s.clip);
        const gradNorm = norm.item();
        if (!Number.isFinite(gradNorm)) return { ok: false, what: 'gradient norm', value: gradNorm };
        opt.lr = s.lr;
        opt.stepWith();
        return { ok: true, loss: lossValue, gradNorm };
      } finally {
        norm?.dispose();
      }
    });
  } finally {
    zeroGrad(params);
  }
}
