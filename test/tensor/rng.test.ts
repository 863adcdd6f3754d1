import { describe, expect, it } from 'vitest';
import { detLog, detSinCos2Pi } from '../../src/math/detmath.js';
import { Rng, philox4x32, philox4x32_10 } from '../../src/tensor/rng.js';

// Random123 tests/kat_vectors (github.com/DEShawResearch/random123), the
// philox4x32 lines: counter[4], key[2] -> expected[4].
const KAT: Array<[number, number[], number[], number[]]> = [
  [10, [0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]],
  [10, [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]],
  [10, [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]],
  [7, [0, 0, 0, 0], [0, 0], [0x5f6fb709, 0x0d893f64, 0x4f121f81, 0x4f730a48]],
  [7, [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x5207ddc2, 0x45165e59, 0x4d8ee751, 0x8c52f662]],
  [7, [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], [0x4dfccaba, 0x190a87f0, 0xc47362ba, 0xb6b5242a]],
];

// A deterministic, Math.random-free source of test points.
function points(n: number, seed = 7): Float64Array {
  return new Rng(seed, 99).fillUniform(new Float64Array(n));
}

describe('philox4x32', () => {
  it('matches the Random123 known-answer vectors', () => {
    for (const [rounds, ctr, key, want] of KAT) {
      expect(Array.from(philox4x32(ctr, key, rounds))).toEqual(want);
      if (rounds === 10) expect(Array.from(philox4x32_10(ctr, key))).toEqual(want);
    }
  });
});

describe('detmath', () => {
  it('detLog matches Math.log to ~1e-15 relative over the double range', () => {
    const u = points(20000);
    let worst = 0;
    for (let i = 0; i < u.length; i++) {
      const x = 2 ** ((u[i]! - 0.5) * 2000) * (1 + u[(i + 1) % u.length]!);
      const ref = Math.log(x);
      worst = Math.max(worst, Math.abs(detLog(x) - ref) / Math.max(Math.abs(ref), 1e-300));
    }
    expect(worst).toBeLessThan(1e-15);
  });

  it('detLog keeps relative accuracy near 1 and handles edge inputs', () => {
    for (let k = -2000; k <= 2000; k++) {
      const x = 1 + k * 2 ** -40;
      if (x === 1) continue;
      const ref = Math.log(x);
      expect(Math.abs(detLog(x) - ref) / Math.abs(ref)).toBeLessThan(1e-14);
    }
    for (const x of [2 ** -24, 0.5, 2, Math.E, 10, 5e-324, 1e-310, 1.7976931348623157e308]) {
      const ref = Math.log(x);
      expect(Math.abs(detLog(x) - ref) / Math.abs(ref)).toBeLessThan(1e-15);
    }
    expect(detLog(1)).toBe(0);
    expect(detLog(0)).toBe(-Infinity);
    expect(detLog(Infinity)).toBe(Infinity);
    expect(detLog(-1)).toBeNaN();
    expect(detLog(NaN)).toBeNaN();
  });

  it('detSinCos2Pi matches Math.sin/cos of 2*pi*u on [0, 1)', () => {
    const u = points(20000, 3);
    let worstAbs = 0;
    let worstRel = 0;
    let worstNorm = 0;
    for (const v of [...u, 0, 0.125, 0.25, 0.375, 0.5, 0.75, 1 - 2 ** -53, 2 ** -30]) {
      const [s, c] = detSinCos2Pi(v);
      const a = 2 * Math.PI * v;
      // Math's own argument 2*pi*v carries ~1e-16*|a| error, so compare absolutely...
      worstAbs = Math.max(worstAbs, Math.abs(s - Math.sin(a)), Math.abs(c - Math.cos(a)));
      // ...and relatively where that error is negligible against the value.
      if (v < 0.2) worstRel = Math.max(worstRel, Math.abs(s - Math.sin(a)) / Math.abs(Math.sin(a)) || 0);
      worstNorm = Math.max(worstNorm, Math.abs(s * s + c * c - 1));
    }
    expect(worstNorm).toBeLessThan(4e-16);
    expect(worstAbs).toBeLessThan(2e-15);
    expect(worstRel).toBeLessThan(1e-14);
    // Outside [0, 1) the exact reduction makes the result periodic to the bit.
    // (Dyadic u, so u + 5 and 1 - u are exact.)
    for (const v of [13 / 1024, 0.3125, 0.7109375]) {
      expect(detSinCos2Pi(v + 5)).toEqual(detSinCos2Pi(v));
      expect(detSinCos2Pi(-v)).toEqual(detSinCos2Pi(1 - v));
    }
    expect(detSinCos2Pi(Infinity).every(Number.isNaN)).toBe(true);
    expect(detSinCos2Pi(0)).toEqual([0, 1]);
    expect(detSinCos2Pi(0.25)).toEqual([1, -0]);
    expect(detSinCos2Pi(0.5)).toEqual([-0, -1]);
  });
});

describe('Rng', () => {
  it('is deterministic per (seed, stream)', () => {
    const a = new Rng(12345).fillUniform(new Float64Array(37));
    const b = new Rng(12345).fillUniform(new Float64Array(37));
    expect(Array.from(a)).toEqual(Array.from(b));
    const n1 = new Rng(2 ** 40 + 3, 5).fillNormal(new Float32Array(33));
    const n2 = new Rng(2 ** 40 + 3, 5).fillNormal(new Float32Array(33));
    expect(Array.from(n1)).toEqual(Array.from(n2));
  });

  it('separates streams and seeds, including seeds past 2^32', () => {
    const draw = (seed: number, stream: number) => Array.from(new Rng(seed, stream).fillUniform(new Float64Array(8)));
    const base = draw(1, 0);
    expect(draw(1, 1)).not.toEqual(base);
    expect(draw(2, 0)).not.toEqual(base);
    expect(draw(1 + 2 ** 32, 0)).not.toEqual(base);
    expect(new Rng(1).fork(3).state()).toEqual({ seed: 1, stream: 3, counter: 0 });
    expect(Array.from(new Rng(1).fork(3).fillUniform(new Float64Array(8)))).toEqual(draw(1, 3));
  });

  it('uses the documented key/counter layout', () => {
    const seed = 7 * 2 ** 32 + 11;
    const r = new Rng(seed, 2 ** 32 + 5);
    r.nextUint32Block();
    const got = Array.from(r.nextUint32Block());
    expect(got).toEqual(Array.from(philox4x32_10([1, 0, 5, 1], [11, 7])));
  });

  it('resumes exactly from state()/fromState through JSON', () => {
    const r = new Rng(99, 2);
    r.fillNormal(new Float64Array(13));
    r.uniformInt(17);
    const snap = JSON.parse(JSON.stringify(r.state()));
    const rest = Array.from(r.fillNormal(new Float64Array(21)));
    expect(Array.from(Rng.fromState(snap).fillNormal(new Float64Array(21)))).toEqual(rest);
  });

  it('consumes ceil(n/4) blocks per fill regardless of kind', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 9, 100]) {
      const u = new Rng(5);
      u.fillUniform(new Float32Array(n));
      const z = new Rng(5);
      z.fillNormal(new Float32Array(n));
      expect(u.state().counter).toBe(Math.ceil(n / 4));
      expect(z.state().counter).toBe(Math.ceil(n / 4));
    }
    // A prefix of a longer fill equals a shorter fill (values depend only on position).
    const long = new Rng(8).fillNormal(new Float64Array(12));
    const short = new Rng(8).fillNormal(new Float64Array(7));
    expect(Array.from(short)).toEqual(Array.from(long.subarray(0, 7)));
  });

  it('maps words to uniforms via the top 24 bits', () => {
    const b = Array.from(philox4x32_10([0, 0, 0, 0], [42, 0]));
    const u = new Rng(42).fillUniform(new Float64Array(4));
    expect(Array.from(u)).toEqual(b.map((x) => (x >>> 8) / 2 ** 24));
    const s = new Rng(42).fillUniform(new Float64Array(4), -2, 6);
    expect(Array.from(s)).toEqual(b.map((x) => -2 + 8 * ((x >>> 8) / 2 ** 24)));
  });

  it('gives uniforms with the right moments', () => {
    const u = new Rng(2024).fillUniform(new Float64Array(100000));
    let mean = 0;
    let min = 1;
    let max = 0;
    for (const v of u) {
      mean += v;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    mean /= u.length;
    let variance = 0;
    for (const v of u) variance += (v - mean) ** 2;
    variance /= u.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005); // sd of mean ~9e-4
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.002);
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
  });

  it('gives normals with mean 0, std 1 and a normal CDF', () => {
    const n = 100000;
    const z = new Rng(31337).fillNormal(new Float64Array(n), 0, 1);
    let mean = 0;
    for (const v of z) mean += v;
    mean /= n;
    let variance = 0;
    for (const v of z) variance += (v - mean) ** 2;
    const std = Math.sqrt(variance / n);
    expect(Math.abs(mean)).toBeLessThan(0.015);
    expect(Math.abs(std - 1)).toBeLessThan(0.015);
    // Kolmogorov-Smirnov against Phi; the 0.1% critical value is ~1.95/sqrt(n).
    const sorted = Array.from(z).sort((a, b) => a - b);
    const phi = (x: number) => 0.5 * (1 + erfApprox(x / Math.SQRT2));
    let d = 0;
    for (let i = 0; i < n; i++) {
      const f = phi(sorted[i]!);
      d = Math.max(d, Math.abs(f - i / n), Math.abs(f - (i + 1) / n));
    }
    expect(d).toBeLessThan(1.95 / Math.sqrt(n));
    const shifted = new Rng(31337).fillNormal(new Float64Array(8), 3, 2);
    expect(Array.from(shifted)).toEqual(Array.from(z.subarray(0, 8), (v) => 3 + 2 * v));
  });

  it('draws in-range, roughly uniform integers', () => {
    const r = new Rng(77);
    const counts = new Array<number>(7).fill(0);
    let bad = 0;
    for (let i = 0; i < 70000; i++) {
      const k = r.uniformInt(7);
      if (!(Number.isInteger(k) && k >= 0 && k < 7)) bad++;
      else counts[k]!++;
    }
    expect(bad).toBe(0);
    // Chi-square with 6 dof; 22.46 is the 0.1% critical value.
    const chi2 = counts.reduce((s, c) => s + (c - 10000) ** 2 / 10000, 0);
    expect(chi2).toBeLessThan(22.46);
    expect(r.uniformInt(1)).toBe(0);
    // Large n: the 2^32 + 1 case rejects nearly half of all 53-bit draws.
    let big = 0;
    for (let i = 0; i < 1000; i++) {
      const k = r.uniformInt(2 ** 32 + 1);
      if (!(Number.isInteger(k) && k >= 0 && k <= 2 ** 32)) bad++;
      if (k >= 2 ** 31) big++;
    }
    expect(bad).toBe(0);
    expect(big).toBeGreaterThan(400);
    expect(big).toBeLessThan(600);
    expect(() => r.uniformInt(0)).toThrow();
    expect(() => r.uniformInt(2.5)).toThrow();
  });

  it('shuffles into a deterministic permutation', () => {
    const a = Array.from({ length: 50 }, (_, i) => i);
    const b = a.slice();
    new Rng(4).shuffle(a);
    new Rng(4).shuffle(b);
    expect(a).toEqual(b);
    expect(a.slice().sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(a).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    // Every position sees every value over many shuffles of a small array.
    const r = new Rng(5);
    const seen = Array.from({ length: 4 }, () => new Set<number>());
    for (let t = 0; t < 200; t++) r.shuffle([0, 1, 2, 3]).forEach((v, i) => seen[i]!.add(v));
    for (const s of seen) expect(s.size).toBe(4);
  });

  it('rejects invalid seeds, streams and states', () => {
    expect(() => new Rng(-1)).toThrow(/seed/);
    expect(() => new Rng(1.5)).toThrow(/seed/);
    expect(() => new Rng(2 ** 53)).toThrow(/seed/);
    expect(() => new Rng(1, -2)).toThrow(/stream/);
    expect(() => Rng.fromState({ seed: 1, stream: 0, counter: -1 })).toThrow(/counter/);
  });
});

// Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7): plenty for a KS test, and keeps
// this file independent of the erf under test elsewhere.
function erfApprox(x: number): number {
  const s = Math.sign(x);
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return s * y;
}
