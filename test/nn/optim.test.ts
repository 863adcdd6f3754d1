import { describe, expect, it } from 'vitest';
import { Adam, clipGradNorm, cosineAnnealingLr } from '../../src/nn/index.js';
import { scope, tensor } from '../../src/tensor/index.js';
import { expectClose, expectNoLeaks } from '../support/engine.js';

describe('Adam', () => {
  it('follows PyTorch single-tensor Adam for three steps (float64)', () => {
    scope(() => {
      const p = tensor(Float64Array.from([0.5, -1, 2]), [3], { dtype: 'float64' });
      const opt = new Adam([p], { lr: 0.1, betas: [0.9, 0.99], eps: 1e-8 });
      const grads = [[1, -2, 0.5], [0.3, 0.3, -4], [-1, 0, 2]];
      let m = [0, 0, 0];
      let v = [0, 0, 0];
      let ref = [0.5, -1, 2];
      grads.forEach((g, s) => {
        opt.stepWith([tensor(Float64Array.from(g), [3], { dtype: 'float64' })]);
        const t = s + 1;
        m = m.map((mi, i) => 0.9 * mi + 0.1 * g[i]);
        v = v.map((vi, i) => 0.99 * vi + 0.01 * g[i] * g[i]);
        ref = ref.map((pi, i) => pi - (0.1 / (1 - 0.9 ** t)) * (m[i] / (Math.sqrt(v[i]) / Math.sqrt(1 - 0.99 ** t) + 1e-8)));
      });
      expectClose(p.dataSync(), ref, 1e-15, 1e-13);
      expect(opt.step).toBe(3);
      opt.dispose();
    });
  });
  it('loadState checks sizes and resumes', () => {
    scope(() => {
      const p = tensor([1, 2], [2]);
      const opt = new Adam([p]);
      expect(() => opt.loadState(3, [{ expAvg: [1], expAvgSq: [1, 1] }])).toThrow(/exp_avg of parameter 0 has 1 values, parameter \[2\] needs 2/);
      opt.loadState(3, [{ expAvg: [0.1, 0.2], expAvgSq: [0.01, 0.02] }]);
      expect(opt.step).toBe(3);
      expect([...opt.slots[0].expAvg.dataSync()].map((x) => +x.toFixed(6))).toEqual([0.1, 0.2]);
      opt.dispose();
    });
  });
  it('rejects invalid hyper-parameters', () => {
    expect(() => new Adam([], { lr: NaN })).toThrow(/Adam: invalid lr NaN/);
  });
});

describe('clipGradNorm', () => {
  it('scales by min(1, max/(norm+1e-6)) and reports the norm', () => {
    scope(() => {
      const g = [tensor(Float64Array.from([3, 0]), [2], { dtype: 'float64' }), tensor(Float64Array.from([4]), [1], { dtype: 'float64' })];
      const { totalNorm, clipped } = clipGradNorm(g, 1);
      expect(totalNorm.item()).toBe(5);
      expectClose(clipped[0].dataSync(), [3 / (5 + 1e-6), 0], 1e-15);
      const small = clipGradNorm([tensor(Float64Array.from([0.3, 0.4]), [2], { dtype: 'float64' })], 1);
      expectClose(small.clipped[0].dataSync(), [0.3, 0.4], 0);
      totalNorm.dispose();
      small.totalNorm.dispose();
    });
    expect(() => clipGradNorm([], 1)).toThrow(/no gradients/);
  });
  it('leaves nothing behind', () => {
    expectNoLeaks(() => scope(() => clipGradNorm([tensor([1, 2], [2])], 1).totalNorm.dispose()));
  });
});

describe('cosineAnnealingLr', () => {
  it('closed form with eta_min, endpoints and midpoint', () => {
    const o = { baseLr: 1e-4, tMax: 380, etaMin: 1e-7 };
    expect(cosineAnnealingLr(0, o)).toBe(1e-4);
    expect(Math.abs(cosineAnnealingLr(190, o) - (1e-7 + (1e-4 - 1e-7) / 2))).toBeLessThan(1e-20);
    expect(Math.abs(cosineAnnealingLr(380, o) - 1e-7)).toBeLessThan(1e-20);
    expect(() => cosineAnnealingLr(-1, o)).toThrow(/invalid epoch/);
  });
});
