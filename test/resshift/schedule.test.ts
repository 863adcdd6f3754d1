import { describe, expect, test } from 'vitest';
import { checkDiffusionConfig, DEFAULT_RESSHIFT_CONFIG, DIFFUSION_BOUNDS, etaSchedule, scheduleFromEta } from '../../src/resshift/schedule.js';
import { detExp, detPow } from '../../src/math/detmath.js';
import { etaClosedForm } from '../golden/reference.js';

const ULP1 = 2 ** -23; // float32 ulp just below 1 is 2^-24; allow one at 1

describe('etaSchedule', () => {
  test('defaults are the reference run: T=15, kappa=2, eta1=0.008, p=0.3, etaT=0.999', () => {
    expect(DEFAULT_RESSHIFT_CONFIG).toEqual({ T: 15, kappa: 2, eta1: 0.008, p: 0.3, etaT: 0.999 });
    const s = etaSchedule();
    expect(s.T).toBe(15);
    expect(s.eta.length).toBe(16);
  });

  for (const [T, p, eta1, etaT] of [[15, 0.3, 0.008, 0.999], [20, 0.5, 0.01, 0.99], [4, 1, 0.1, 0.9], [50, 0.2, 0.001, 0.999]]) {
    test(`T=${T} p=${p} follows eta1 (etaT/eta1)^(((t-1)/(T-1))^p) to an ulp`, () => {
      const s = etaSchedule({ T, p, eta1, etaT });
      const ref = etaClosedForm(T, p, Math.fround(eta1), etaT);
      expect(s.eta[0]).toBe(0);
      expect(s.eta[1]).toBe(Math.fround(eta1));
      for (let t = 0; t <= T; t++) {
        expect(Math.abs(s.eta[t] - ref[t])).toBeLessThanOrEqual(ULP1);
        expect(s.alpha[t]).toBe(Math.fround(s.eta[t] - (t ? s.eta[t - 1] : 0)));
        expect(s.sqrtEta[t]).toBe(Math.fround(Math.sqrt(s.eta[t])));
        if (t > 1) expect(s.eta[t]).toBeGreaterThan(s.eta[t - 1]);
      }
      expect(Math.abs(s.eta[T] - etaT)).toBeLessThanOrEqual(ULP1);
    });
  }

  test('rejects schedules that cannot be built', () => {
    expect(() => etaSchedule({ T: 1, p: 0.3, eta1: 0.008, etaT: 0.999 })).toThrow(/T must be/);
    expect(() => etaSchedule({ T: 15, p: 0, eta1: 0.008, etaT: 0.999 })).toThrow(/p must/);
    expect(() => etaSchedule({ T: 15, p: 0.3, eta1: 0.999, etaT: 0.5 })).toThrow(/eta1/);
  });

  test('T is bounded before anything is allocated: T = 1e9 is refused at once', () => {
    const t0 = performance.now();
    expect(() => etaSchedule({ T: 1e9, p: 0.3, eta1: 0.008, etaT: 0.999 })).toThrow('etaSchedule: T must be an integer in 2..10000, got 1000000000');
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(etaSchedule({ T: DIFFUSION_BOUNDS.maxT, p: 0.3, eta1: 0.008, etaT: 0.999 }).eta.length).toBe(DIFFUSION_BOUNDS.maxT + 1);
    expect(() => etaSchedule({ T: 15, p: 1e9, eta1: 0.008, etaT: 0.999 })).toThrow(/p must be in \(0, 100\]/);
    expect(() => etaSchedule({ T: 15, p: 0.3, eta1: 1e-300, etaT: 0.999 })).toThrow(/1e-30 <= eta1/);
  });

  test('checkDiffusionConfig: every setting a number within bounds, no unknown keys', () => {
    expect(checkDiffusionConfig({ ...DEFAULT_RESSHIFT_CONFIG })).toEqual(DEFAULT_RESSHIFT_CONFIG);
    const bad = (over: Record<string, unknown>) => () => checkDiffusionConfig({ ...DEFAULT_RESSHIFT_CONFIG, ...over });
    expect(bad({ kappa: 1e30 })).toThrow('diffusion.kappa must be in (0, 100], got 1e+30');
    expect(bad({ kappa: 0 })).toThrow(/kappa/);
    expect(bad({ kappa: Number.NaN })).toThrow(/kappa/);
    expect(bad({ T: 1e9 })).toThrow('diffusion.T must be an integer in 2..10000, got 1000000000');
    expect(bad({ T: '15' })).toThrow('diffusion.T must be a number, got "15"');
    expect(bad({ etaT: 1 })).toThrow(/eta1 < etaT < 1/);
    expect(bad({ steps: 3 })).toThrow('diffusion settings: unknown steps');
    expect(() => checkDiffusionConfig([1])).toThrow(/must be an object/);
  });

  test('scheduleFromEta rebuilds alpha and sqrt from stored values', () => {
    const s = etaSchedule();
    const r = scheduleFromEta(Array.from(s.eta));
    expect(r.alpha).toEqual(s.alpha);
    expect(r.sqrtEta).toEqual(s.sqrtEta);
    expect(() => scheduleFromEta([0.1, 0.2])).toThrow(/eta\[0\] = 0/);
  });
});

// The schedule's bits depend on these, so they must agree with the platform's functions to an ulp.
test('detExp and detPow agree with Math.exp / ** to ~1 ulp', () => {
  for (let i = 0; i <= 2000; i++) {
    const x = -700 + i * 0.7003;
    const want = Math.exp(x);
    expect(Math.abs(detExp(x) - want)).toBeLessThanOrEqual(4.5e-16 * want);
  }
  expect(detExp(0)).toBe(1);
  expect(detExp(1000)).toBe(Infinity);
  expect(detExp(-1000)).toBe(0);
  expect(detExp(-740) / Math.exp(-740)).toBeCloseTo(1, 2); // subnormal: few bits left
  for (const [x, y] of [[0.5, 0.3], [124.875, 0.5], [2, 10], [0.01, 1.7]]) {
    expect(Math.abs(detPow(x, y) - x ** y)).toBeLessThanOrEqual(2e-15 * x ** y);
  }
  expect(detPow(0, 2)).toBe(0);
  expect(detPow(3, 0)).toBe(1);
  expect(detPow(1, 123.4)).toBe(1);
});
