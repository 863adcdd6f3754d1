import { describe, expect, it } from 'vitest';
import { DualDomainUNet } from '../../src/resshift/model.js';
import { NonFiniteSampleError, sample, tileNoise } from '../../src/resshift/sampler.js';
import { etaSchedule } from '../../src/resshift/schedule.js';
import { randUniform, scope } from '../../src/tensor/index.js';
import { Rng } from '../../src/tensor/rng.js';
import { expectNoLeaks, liveBuffers } from '../support/engine.js';

describe('sampler', () => {
  it('noise depends on the global pixel, not on the tile', () => {
    const full = tileNoise(7, 3, [1, 3, 10, 12]);
    const tile = tileNoise(7, 3, [1, 3, 4, 5], { fullH: 10, fullW: 12, y: 3, x: 6 });
    for (let c = 0; c < 3; c++) for (let y = 0; y < 4; y++) for (let x = 0; x < 5; x++) {
      expect(tile[(c * 4 + y) * 5 + x]).toBe(full[(c * 10 + 3 + y) * 12 + 6 + x]);
    }
    const mean = full.reduce((a, b) => a + b, 0) / full.length;
    expect(Math.abs(mean)).toBeLessThan(0.2);
  });
  it('runs the reverse process: deterministic per seed, output in [-1, 1], no leaks', async () => {
    const model = new DualDomainUNet({ baseChannels: 4 }, { rng: new Rng(1) });
    const schedule = etaSchedule();
    const run = async (seed: number) => {
      const y0 = randUniform([1, 3, 16, 16], new Rng(2), -1, 1);
      let steps = 0;
      const x = await sample(model, y0, { schedule, kappa: 2, seed, onStep: () => steps++ });
      expect(steps).toBe(15);
      const v = x.dataSync();
      x.dispose();
      y0.dispose();
      return v;
    };
    const a = await run(5);
    expect(await run(5)).toEqual(a);
    expect(await run(6)).not.toEqual(a);
    expect(a.every((v) => v >= -1 && v <= 1)).toBe(true);
    const before = liveBuffers();
    await run(5);
    expect(liveBuffers()).toBe(before);
    model.dispose();
  });
  it('stops with an error naming the step and the tile when x_t turns NaN or infinite; no leaks', async () => {
    // one finite but absurd weight (the 1e38) overflows the first step's activations
    const model = new DualDomainUNet({ baseChannels: 4 }, { rng: new Rng(1) });
    const weights = new Map(model.stateDict().map(([n, t]) => [n, { shape: t.shape, data: t.dataSync().slice() }]));
    weights.get('inc.conv.0.weight')!.data[0] = 1e38;
    model.loadStateDict(weights);
    const schedule = etaSchedule();
    const win = { fullH: 32, fullW: 48, y: 8, x: 16 };
    let steps = 0;
    const run = async () => {
      const y0 = randUniform([1, 3, 16, 16], new Rng(2), -1, 1);
      try {
        return await sample(model, y0, { schedule, kappa: 2, seed: 1, modelTimesteps: Array.from({ length: 15 }, (_, i) => i + 1), onStep: () => steps++ }, win);
      } finally {
        y0.dispose();
      }
    };
    let caught: unknown;
    try {
      await run();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(NonFiniteSampleError);
    const e = caught as NonFiniteSampleError;
    expect(e.message).toMatch(/NaN or infinite values at reverse step 1 of 15 \(model timestep 15\) in the 16x16 tile at x 16, y 8 of the 48x32 frame/);
    expect([e.step, e.modelTimestep, e.window]).toEqual([1, 15, win]);
    expect(steps).toBe(0);
    const before = liveBuffers();
    await expect(run()).rejects.toThrow(NonFiniteSampleError);
    expect(liveBuffers()).toBe(before);
    model.dispose();
  });
});
