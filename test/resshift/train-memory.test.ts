import { describe, expect, test } from 'vitest';
import { getBackend } from '../../src/backends/registry.js';
import { Adam } from '../../src/nn/adam.js';
import { DualDomainUNet } from '../../src/resshift/model.js';
import { etaSchedule } from '../../src/resshift/schedule.js';
import { largestMicroBatch, largestTrainTensor, trainStepBytes } from '../../src/resshift/train-memory.js';
import { fitMicroBatch } from '../../src/node/micro-batch.js';
import { TRAIN_DEFAULTS as DEFAULTS } from '../../src/resshift/trainer.js';
import { trainStep } from '../../src/resshift/train-step.js';
import { TRAIN_DEFAULTS } from '../../src/resshift/trainer.js';
import { Rng } from '../../src/tensor/rng.js';
import { setBackend } from '../../src/tensor/index.js';

/** Peak live bytes on ref during one step (model, Adam and everything the step allocates). */
async function measuredPeak(width: number, crop: number, size: number, microBatch?: number): Promise<{ peak: number; params: number; largest: number }> {
  setBackend('ref');
  const ref = getBackend('ref');
  const base = ref.stats().liveBytes;
  const model = new DualDomainUNet({ baseChannels: width }, { rng: new Rng(3) });
  const opt = new Adam(model.parameters(), { lr: 1e-3 });
  const alloc = ref.alloc.bind(ref);
  let peak = 0;
  let largest = 0;
  ref.alloc = (s, d) => {
    largest = Math.max(largest, s);
    const b = alloc(s, d);
    peak = Math.max(peak, ref.stats().liveBytes - base);
    return b;
  };
  const rng = new Rng(1);
  const n = size * 3 * crop * crop;
  const b = {
    size,
    crop,
    x0: rng.fillUniform(new Float32Array(n), -1, 1),
    y0: rng.fillUniform(new Float32Array(n), -1, 1),
    noise: rng.fillNormal(new Float32Array(n)),
    t: new Array(size).fill(5),
    names: new Array(size).fill('x'),
  };
  try {
    await trainStep(model, opt, b, { schedule: etaSchedule(TRAIN_DEFAULTS.diffusion), kappa: 2, lr: 1e-3, clip: 1, microBatch });
  } finally {
    ref.alloc = alloc;
  }
  const params = model.parameters().reduce((a, p) => a + p.size, 0);
  model.dispose();
  opt.dispose();
  return { peak, params, largest };
}

describe('training memory estimate', () => {
  test('is at least the measured peak and within 15% (plus its fixed 1 MiB) of it', async () => {
    for (const [w, c, B, m] of [[6, 32, 2, undefined], [10, 40, 3, 1]] as const) {
      const { peak, params } = await measuredPeak(w, c, B, m);
      const est = trainStepBytes(w, c, m ?? B, params);
      expect(est, `w ${w} crop ${c} batch ${B} micro ${m}`).toBeGreaterThanOrEqual(peak);
      expect(est).toBeLessThan(1.15 * peak + 2 ** 20);
    }
  });

  test('the largest tensor of a step is what largestTrainTensor says (the gpu backend caps it at its device limit)', async () => {
    for (const [w, c, B, m] of [[6, 32, 2, undefined], [10, 40, 3, 1]] as const) {
      const { largest } = await measuredPeak(w, c, B, m);
      expect(largestTrainTensor(w, c, m ?? B), `w ${w} crop ${c} batch ${B} micro ${m}`).toBe(largest);
    }
  });

  test("with a per-tensor element limit (the gpu backend's device), a micro-batch over it is refused, naming one that fits", () => {
    const config = { ...DEFAULTS, diffusion: { ...DEFAULTS.diffusion }, width: 64, crop: 256, batch: 8 };
    // SwiftShader's WebGPU binds 1 GiB a buffer: 2^28 float32 values. 6 * 64 * 256^2 = 25.2M
    // elements per item, so the reference model's batch-8 step at crop 256 fits, and 10 items do
    const limit = 2 ** 28;
    expect(largestTrainTensor(64, 256, 8)).toBeLessThanOrEqual(limit);
    expect(fitMicroBatch({ ...config, microBatch: 3, crop: 32 }, 'gpu', null, limit)).toEqual({ config: expect.objectContaining({ microBatch: 3 }) });
    expect(fitMicroBatch({ ...config, microBatch: 11 }, 'gpu', null, limit)).toEqual({
      error: expect.stringMatching(/a step of 11 item\(s\) at width 64, crop 256 has a tensor of 276824064 elements, above the 268435456 one tensor may have on the gpu backend here; --micro-batch 10 fits$/),
    });
    expect(fitMicroBatch({ ...config, crop: 4096 }, 'gpu', null, limit)).toEqual({ error: expect.stringMatching(/has a tensor of 6442450944 elements, .*; use a smaller --crop or --width$/) });
    // no limit given (ref, wasm): no such cap
    expect(fitMicroBatch({ ...config, microBatch: 3, crop: 32 }, 'ref', null)).toEqual({ config: expect.objectContaining({ microBatch: 3 }) });
  });

  test('picks the largest micro-batch that fits, 0 when none does', () => {
    const params = 1_387_075;
    const one = trainStepBytes(64, 256, 1, params);
    expect(largestMicroBatch(64, 256, 8, params, 8 * one)).toBe(8);
    expect(largestMicroBatch(64, 256, 8, params, 2.5 * one)).toBe(2);
    expect(largestMicroBatch(64, 256, 8, params, 0.5 * one)).toBe(0);
  });
});
