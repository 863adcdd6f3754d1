import { afterAll, describe, expect, it } from 'vitest';
import { resizeBicubic } from '../../src/image/resize.js';
import { createImage } from '../../src/image/types.js';
import { DualDomainUNet } from '../../src/resshift/model.js';
import { respace, respacedTimesteps } from '../../src/resshift/respace.js';
import { etaSchedule } from '../../src/resshift/schedule.js';
import { superResolve, tileSteps, upscaleImage } from '../../src/resshift/upscale.js';
import type { Tensor } from '../../src/tensor/index.js';
import { Rng } from '../../src/tensor/rng.js';

const model = new DualDomainUNet({ baseChannels: 4 }, { rng: new Rng(1) });
afterAll(() => model.dispose());
const schedule = etaSchedule();
const base = { schedule, kappa: 2, seed: 3 };
const lr = createImage(3, 2, new Rng(9).fillUniform(new Float32Array(3 * 2 * 3), 0, 1));

describe('respacing', () => {
  it('keeps timesteps spread evenly over 1..T, 1 and T included', () => {
    expect(respacedTimesteps(15, 15)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect(respacedTimesteps(15, 5)).toEqual([1, 5, 8, 12, 15]);
    expect(respacedTimesteps(15, 2)).toEqual([1, 15]);
    for (let s = 2; s <= 15; s++) expect(new Set(respacedTimesteps(15, s)).size).toBe(s);
    expect(() => respacedTimesteps(15, 1)).toThrow(/from 2 to 15/);
    expect(() => respacedTimesteps(15, 16)).toThrow(/from 2 to 15/);
  });

  it('builds the schedule from the kept etas and gives the network the original timesteps', async () => {
    const sp = respace(schedule, 4);
    expect(sp.timesteps).toEqual([1, 6, 10, 15]);
    expect(Array.from(sp.schedule.eta)).toEqual([0, ...[1, 6, 10, 15].map((t) => schedule.eta[t])]);
    expect(sp.schedule.sqrtEta[4]).toBe(schedule.sqrtEta[15]);

    const seen: number[] = [];
    const forward = model.forward.bind(model);
    model.forward = (x: Tensor, y: Tensor, t: Tensor) => (seen.push(...t.dataSync()), forward(x, y, t));
    let steps = 0;
    try {
      await superResolve(model, createImage(8, 8), { ...base, steps: 4, onProgress: () => steps++ });
    } finally {
      model.forward = forward;
    }
    expect(seen).toEqual([15, 10, 6, 1]);
    expect(steps).toBe(4);
    expect(tileSteps(8, 8, { schedule, steps: 4 })).toBe(4);
  });

  it('all T steps is the plain process', () => {
    const sp = respace(schedule, 15);
    expect(sp.schedule).toBe(schedule);
    expect(sp.timesteps).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
  });
});

describe('upscaleImage', () => {
  it('is superResolve of the Pillow-exact bicubic x4 upsample, 4x larger, in [0, 1]', async () => {
    const out = await upscaleImage(model, lr, base);
    expect([out.width, out.height]).toEqual([12, 8]);
    expect(out.data.every((v) => v >= 0 && v <= 1)).toBe(true);
    const ref = await superResolve(model, resizeBicubic(lr, 12, 8), base);
    expect(out.data).toEqual(ref.data);
  });
});
