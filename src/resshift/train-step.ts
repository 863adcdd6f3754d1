import type { Adam } from '../nn/adam.js';
import { clipGradNorm_ } from '../nn/clip.js';
import { add, backward, concat, keep, mulScalar, reshape, scope, tensor, zeroGrad, type Tensor } from '../tensor/index.js';
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
  /**
   * Items per forward/backward pass (default: the whole batch). Gradients of the passes add up in
   * the parameters' .grad, each pass's loss weighted by its share of the batch, so the step is
   * the whole batch's up to float rounding while peak memory is that of one micro-batch.
   */
  microBatch?: number;
}

export type StepResult = { ok: true; loss: number; gradNorm: number } | { ok: false; what: 'loss' | 'gradient norm'; value: number };

/** Items [start, start + n) of a CHW batch array. */
function items(a: Float32Array, per: number, start: number, n: number): Float32Array {
  return a.subarray(start * per, (start + n) * per);
}

/**
 * Forward and backward of batch items [start, start + n): the loss of those items times n / B,
 * with its gradients added to the parameters' .grad. Returns that weighted loss (a scalar tensor
 * on the model's backend; nothing is read back). The activations are released by the inner
 * scope; the graph keeps only what backward reads, and backward releases that as it goes.
 */
function microStep(model: DualDomainUNet, b: Batch, start: number, n: number, s: StepSettings): Tensor {
  const per = 3 * b.crop * b.crop;
  const shape = [n, 3, b.crop, b.crop];
  const ts = b.t.slice(start, start + n);
  const loss = scope(() => {
    const x0 = tensor(items(b.x0, per, start, n), shape);
    const y0 = tensor(items(b.y0, per, start, n), shape);
    const xt = qSample(x0, y0, ts, tensor(items(b.noise, per, start, n), shape), s.schedule, s.kappa);
    const pred = add(y0, model.forward(xt, augmentY0(y0), tensor(Float32Array.from(ts), [n])));
    const l = multiscaleLoss(pred, x0);
    // the whole batch in one pass keeps the reference's exact arithmetic (no extra rounding)
    return n === b.size ? l : mulScalar(l, n / b.size);
  });
  backward(loss);
  return loss;
}

/**
 * One optimizer step as the reference does it: x_t = qSample(x0, y0, t, noise),
 * pred_x0 = y0 + model(x_t, augmentY0(y0), t), multiscale loss, backward, clip_grad_norm_, Adam.
 * Everything is queued on the model's backend and read back once, loss and gradient norm
 * together, before the Adam update: a non-finite loss or gradient norm leaves the model and the
 * optimizer untouched (the state stays the last good one).
 */
export async function trainStep(model: DualDomainUNet, opt: Adam, b: Batch, s: StepSettings): Promise<StepResult> {
  const micro = s.microBatch ?? b.size;
  if (!Number.isInteger(micro) || micro < 1) throw new Error(`trainStep: micro-batch must be a positive integer, got ${micro}`);
  const params = model.parameters();
  let both: Tensor | null = null;
  try {
    both = scope(() => {
      let loss: Tensor | null = null;
      for (let start = 0; start < b.size; start += micro) {
        const part = microStep(model, b, start, Math.min(micro, b.size - start), s);
        loss = loss ? add(loss, part) : part;
      }
      const norm = clipGradNorm_(params, s.clip);
      return keep(concat([reshape(loss!, [1]), reshape(norm, [1])]));
    });
    const [lossValue, gradNorm] = await both.data();
    if (!Number.isFinite(lossValue)) return { ok: false, what: 'loss', value: lossValue };
    if (!Number.isFinite(gradNorm)) return { ok: false, what: 'gradient norm', value: gradNorm };
    opt.lr = s.lr;
    opt.stepWith();
    return { ok: true, loss: lossValue, gradNorm };
  } finally {
    both?.dispose();
    zeroGrad(params);
  }
}
