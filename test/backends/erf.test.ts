import { describe, expect, it } from 'vitest';
import { erf, erfDeriv } from '../../src/backends/ref/math.js';

// Reference values: mpmath 1.3.0 erf at 40 significant digits (rounded to 25
// here), which agree with the standard tables (e.g. A&S table 7.1).
const TABLE: Array<[number, number]> = [
  [0.001, 0.001128378790969236379948478],
  [0.1, 0.1124629160182848922032751],
  [0.5, 0.5204998778130465376827467],
  [-0.7, -0.6778011938374184729756288],
  [1, 0.8427007929497148693412206],
  [1.25, 0.9229001282564582301365235],
  [1.5, 0.9661051464753107270669763],
  [1.75, 0.9866716712191824437722111],
  [2, 0.9953222650189527341620693],
  [2.5, 0.9995930479825550410604358],
  [3, 0.9999779095030014145586272],
  [3.5, 0.9999992569016276585872545],
  [4, 0.9999999845827420997199811],
  [5, 0.999999999998462540205572],
  [5.9, 0.9999999999999999280959022],
];

describe('erf', () => {
  it('matches tabulated high-precision values to ~1e-15 absolute', () => {
    for (const [x, want] of TABLE) {
      expect(Math.abs(erf(x) - want), `erf(${x})`).toBeLessThanOrEqual(1e-15);
      expect(Math.abs(erf(-x) + want), `erf(${-x})`).toBeLessThanOrEqual(1e-15);
    }
  });

  it('keeps relative accuracy for tiny arguments', () => {
    expect(Math.abs(erf(1e-10) / 1.128379167095512573892398e-10 - 1)).toBeLessThan(1e-15);
    expect(Math.abs(erf(1e-300) / 1.128379167095512573896159e-300 - 1)).toBeLessThan(1e-15);
    expect(erf(5e-324)).toBeGreaterThan(0);
  });

  it('handles special values and symmetry', () => {
    expect(erf(0)).toBe(0);
    expect(Object.is(erf(-0), -0)).toBe(true);
    expect(erf(Infinity)).toBe(1);
    expect(erf(-Infinity)).toBe(-1);
    expect(erf(NaN)).toBeNaN();
    expect(erf(6)).toBe(1);
    expect(erf(-40)).toBe(-1);
    const asym: number[] = [];
    for (let x = -7; x <= 7; x += 0.0137) if (erf(-x) !== -erf(x)) asym.push(x);
    expect(asym).toEqual([]);
  });

  it('is monotone and bounded across the regime switch points', () => {
    let prev = -1;
    const bad: number[] = [];
    for (let x = -6.5; x <= 6.5; x += 1 / 1024) {
      const y = erf(x);
      if (y < prev || Math.abs(y) > 1) bad.push(x);
      prev = y;
    }
    expect(bad).toEqual([]);
    for (const s of [1.5, 6]) {
      const below = erf(s - 2 ** -40);
      expect(Math.abs(erf(s) - below)).toBeLessThan(1e-12);
    }
  });

  it('agrees with erfDeriv by central differences', () => {
    const h = 1e-5;
    let worst = 0;
    for (let x = -5; x <= 5; x += 0.03125) {
      const fd = (erf(x + h) - erf(x - h)) / (2 * h);
      worst = Math.max(worst, Math.abs(fd - erfDeriv(x)));
    }
    expect(worst).toBeLessThan(1e-9);
    expect(erfDeriv(0)).toBe(1.1283791670955126);
    expect(erfDeriv(1e6)).toBe(0);
    expect(erfDeriv(-Infinity)).toBe(0);
    expect(erfDeriv(NaN)).toBeNaN();
  });
});
