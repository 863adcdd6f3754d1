import { describe, expect, test } from 'vitest';
import { posterior, posteriorCoefficients, qSample } from '../../src/resshift/diffusion.js';
import { etaSchedule } from '../../src/resshift/schedule.js';
import { Rng, tensor } from '../../src/tensor/index.js';
import { gradCheck, randomF64 } from '../support/engine.js';

const s = etaSchedule();
const rng = new Rng(99, 1);
const data = (n: number) => rng.fillUniform(new Float32Array(n), -1.5, 1.5);

describe('qSample', () => {
  test('x_t = (1-eta_t) x0 + eta_t y0 + kappa sqrt(eta_t) noise, one t per batch item', () => {
    const shape = [3, 2, 2, 3];
    const [x0, y0, noise] = [data(36), data(36), data(36)];
    const ts = [0, 5, 15];
    const out = qSample(tensor(x0, shape), tensor(y0, shape), ts, tensor(noise, shape), s, 2).dataSync();
    for (let i = 0; i < 36; i++) {
      const e = s.eta[ts[Math.floor(i / 12)]];
      expect(out[i]).toBeCloseTo((1 - e) * x0[i] + e * y0[i] + 2 * Math.sqrt(e) * noise[i], 5);
    }
    // t = 0 is the clean image
    for (let i = 0; i < 12; i++) expect(out[i]).toBe(x0[i]);
  });

  test('is differentiable in x0, y0 and noise', () => {
    const shape = [2, 1, 2, 2];
    gradCheck((a, b, c) => qSample(a, b, [3, 11], c, s, 2), [0, 1, 2].map(() => ({ data: randomF64(rng, shape), shape })));
  });

  test('checks timesteps and shapes', () => {
    const x = tensor(data(4), [2, 2]);
    expect(() => qSample(x, x, [1], x, s, 2)).toThrow(/timesteps/);
    expect(() => qSample(x, x, [1, 16], x, s, 2)).toThrow(/outside/);
    expect(() => qSample(x, tensor(data(2), [2, 1]), [1, 2], x, s, 2)).toThrow(/differ/);
  });
});

describe('posterior', () => {
  const shape = [2, 3, 4];
  const [xt, y0] = [tensor(data(24), shape), tensor(data(24), shape)];
  const pred = tensor(data(24), shape);

  test('at t=1 the mean is the clamped prediction and the variance is 0', () => {
    const p = posterior(xt, y0, pred, 1, s, 2);
    const clamped = Float32Array.from(pred.dataSync(), (v) => Math.min(1, Math.max(-1, v)));
    expect(p.predX0Clamped.dataSync()).toEqual(clamped);
    expect(p.mean.dataSync()).toEqual(clamped);
    expect(p.variance).toBe(0);
    expect(p.std).toBe(0);
  });

  test('mean and variance follow the ResShift posterior at every t', () => {
    for (const t of [2, 8, 15]) {
      const p = posterior(xt, y0, pred, t, s, 1.5);
      const [et, et1, at] = [s.eta[t], s.eta[t - 1], s.alpha[t]];
      const m = p.mean.dataSync();
      const [x, y, q] = [xt.dataSync(), y0.dataSync(), p.predX0Clamped.dataSync()];
      for (let i = 0; i < 24; i++) expect(m[i]).toBeCloseTo((et1 / et) * x[i] + (at / et) * (1 - et1) * q[i] + ((at * et1) / et) * y[i], 5);
      expect(p.variance).toBeCloseTo(2.25 * (et1 / et) * at, 7);
      expect(p.std).toBe(Math.fround(Math.sqrt(p.variance)));
      const c = posteriorCoefficients(s, t, 1.5);
      // the three weights sum to (eta_{t-1} + alpha_t (1 - eta_{t-1}) + alpha_t eta_{t-1}) / eta_t = 1
      expect(c.xt + c.x0 + c.y0).toBeCloseTo(1, 6);
    }
  });

  test('rejects t = 0 and t > T', () => {
    expect(() => posterior(xt, y0, pred, 0, s, 2)).toThrow(/outside 1\.\.15/);
    expect(() => posteriorCoefficients(s, 16, 2)).toThrow(/outside/);
  });
});
