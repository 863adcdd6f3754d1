import { describe, expect, test } from 'vitest';
import { getBackend } from '../../src/backends/registry.js';
import { Adam } from '../../src/nn/adam.js';
import { DualDomainUNet } from '../../src/resshift/model.js';
import { etaSchedule } from '../../src/resshift/schedule.js';
import type { Batch } from '../../src/resshift/train-batch.js';
import { trainStep, type StepSettings } from '../../src/resshift/train-step.js';
import { TRAIN_DEFAULTS } from '../../src/resshift/trainer.js';
import { Rng } from '../../src/tensor/rng.js';
import { setBackend } from '../../src/tensor/index.js';

const settings = (microBatch?: number): StepSettings => ({
  schedule: etaSchedule(TRAIN_DEFAULTS.diffusion),
  kappa: TRAIN_DEFAULTS.diffusion.kappa,
  lr: 1e-3,
  clip: 1,
  microBatch,
});

function batch(size: number, crop = 16): Batch {
  const rng = new Rng(5);
  const n = size * 3 * crop * crop;
  return {
    size,
    crop,
    x0: rng.fillUniform(new Float32Array(n), -1, 1),
    y0: rng.fillUniform(new Float32Array(n), -1, 1),
    noise: rng.fillNormal(new Float32Array(n)),
    t: Array.from({ length: size }, (_, i) => 1 + ((i * 7) % 15)),
    names: Array.from({ length: size }, (_, i) => `im${i}`),
  };
}

/** One step from a fixed initialisation; the parameters after it, and the step's result. */
async function stepOnce(microBatch: number | undefined, b = batch(4)) {
  const model = new DualDomainUNet({ baseChannels: 4 }, { rng: new Rng(3) });
  const opt = new Adam(model.parameters(), { lr: 1e-3 });
  try {
    const r = await trainStep(model, opt, b, settings(microBatch));
    return { r, params: model.parameters().map((p) => Float32Array.from(p.dataSync())) };
  } finally {
    model.dispose();
    opt.dispose();
  }
}

describe('trainStep', () => {
  setBackend('ref');

  test('micro-batches give the whole batch step up to float rounding, and are bit-reproducible', async () => {
    const whole = await stepOnce(undefined);
    const halves = await stepOnce(2);
    const uneven = await stepOnce(3); // passes of 3 and 1 items: each loss weighted by its share
    const again = await stepOnce(2);
    expect(whole.r.ok && halves.r.ok && uneven.r.ok).toBe(true);
    if (!whole.r.ok || !halves.r.ok || !uneven.r.ok) return;
    for (const other of [halves, uneven]) {
      if (!other.r.ok) continue;
      // float32 sums in another order: a few ulps of the loss and of the norm
      expect(Math.abs(other.r.loss - whole.r.loss)).toBeLessThan(1e-6 * whole.r.loss);
      expect(Math.abs(other.r.gradNorm - whole.r.gradNorm)).toBeLessThan(1e-5 * whole.r.gradNorm);
      // an Adam step moves each parameter by about lr; the two steps agree to a small part of it
      let worst = 0;
      other.params.forEach((p, i) => p.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - whole.params[i][k])))));
      expect(worst).toBeLessThan(1e-5);
    }
    halves.params.forEach((p, i) => expect(Buffer.from(p.buffer).equals(Buffer.from(again.params[i].buffer))).toBe(true));
  });

  test('a micro-batch holds less memory at its peak than the whole batch', async () => {
    const ref = getBackend('ref');
    const peakOf = async (micro: number | undefined) => {
      const alloc = ref.alloc.bind(ref);
      let peak = 0;
      ref.alloc = (size, dtype) => {
        const buf = alloc(size, dtype);
        peak = Math.max(peak, ref.stats().liveBytes);
        return buf;
      };
      try {
        await stepOnce(micro, batch(4, 32));
      } finally {
        ref.alloc = alloc;
      }
      return peak;
    };
    const whole = await peakOf(undefined);
    const single = await peakOf(1);
    expect(single).toBeLessThan(0.5 * whole);
  });

  test('a non-finite loss is reported and leaves the parameters as they were', async () => {
    const b = batch(2);
    b.x0[0] = NaN;
    const model = new DualDomainUNet({ baseChannels: 4 }, { rng: new Rng(3) });
    const opt = new Adam(model.parameters(), { lr: 1e-3 });
    const before = model.parameters().map((p) => Float32Array.from(p.dataSync()));
    const r = await trainStep(model, opt, b, settings(1));
    expect(r).toMatchObject({ ok: false, what: 'loss' });
    expect(opt.step).toBe(0);
    model.parameters().forEach((p, i) => expect(Buffer.from(Float32Array.from(p.dataSync()).buffer).equals(Buffer.from(before[i].buffer))).toBe(true));
    expect(model.parameters().every((p) => p.grad === null)).toBe(true);
    model.dispose();
    opt.dispose();
  });
});
