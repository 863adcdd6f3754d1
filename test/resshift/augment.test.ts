import { describe, expect, test } from 'vitest';
import { augmentY0, fourierPosEnc, linspace01, localAmplitude, localAmplitudeParts } from '../../src/resshift/augment.js';
import { Rng, tensor } from '../../src/tensor/index.js';
import { localAmplitudeRef } from '../golden/reference.js';
import { gradCheck, randomF64 } from '../support/engine.js';

const rng = new Rng(7, 2);

describe('linspace01', () => {
  test('float32 values from 0 to 1, symmetric construction', () => {
    for (const n of [1, 2, 5, 7, 16, 31, 32, 33, 64, 100]) {
      const v = linspace01(n);
      expect(v[0]).toBe(0);
      if (n > 1) expect(v[n - 1]).toBe(1);
      for (let i = 1; i < n; i++) expect(v[i]).toBeGreaterThan(v[i - 1]);
      for (let i = 0; i < n; i++) expect(Math.abs(v[i] - i / Math.max(1, n - 1))).toBeLessThanOrEqual(2 ** -23);
    }
    // short rows use PyTorch's scalar rule: start + i*step below half, end - (n-1-i)*step above
    const step = Math.fround(1 / 6);
    expect(linspace01(7)[2]).toBe(Math.fround(2 * step));
    expect(linspace01(7)[5]).toBe(Math.fround(1 - Math.fround(step)));
  });
});

describe('fourierPosEnc', () => {
  test('channel order sin x, sin y, cos x, cos y per frequency; x along the width', () => {
    const [H, W, n] = [5, 7, 3];
    const pe = fourierPosEnc(H, W, n);
    expect(pe.shape).toEqual([1, 12, H, W]);
    const v = pe.dataSync();
    for (let k = 0; k < n; k++)
      for (let i = 0; i < H; i++)
        for (let j = 0; j < W; j++) {
          const f = Math.PI * 2 ** k;
          const [x, y] = [j / (W - 1), i / (H - 1)];
          const at = (c: number) => v[((4 * k + c) * H + i) * W + j];
          expect(at(0)).toBeCloseTo(Math.sin(f * x), 5);
          expect(at(1)).toBeCloseTo(Math.sin(f * y), 5);
          expect(at(2)).toBeCloseTo(Math.cos(f * x), 5);
          expect(at(3)).toBeCloseTo(Math.cos(f * y), 5);
        }
  });
});

describe('localAmplitude', () => {
  test('matches the float64 definition and lies in [0, 1)', () => {
    const shape = [2, 3, 9, 8];
    const x = rng.fillUniform(new Float32Array(2 * 3 * 72), 0, 1);
    const out = localAmplitude(tensor(x, shape)).dataSync();
    const ref = localAmplitudeRef(x, shape, 7, 1e-6);
    for (let i = 0; i < ref.length; i++) expect(out[i]).toBeCloseTo(ref[i], 5);
    expect(Math.min(...out)).toBe(0);
    expect(Math.max(...out)).toBeLessThan(1);
  });

  test('intermediates have the reference shapes', () => {
    const p = localAmplitudeParts(tensor(rng.fillUniform(new Float32Array(2 * 2 * 30)), [2, 2, 5, 6]), 3);
    expect([p.mu.shape, p.variance.shape, p.ampRaw.shape, p.amin.shape, p.output.shape]).toEqual([[2, 2, 5, 6], [2, 2, 5, 6], [2, 1, 5, 6], [2], [2, 1, 5, 6]]);
  });

  test('finite-difference gradient in float64', () => {
    const shape = [2, 2, 6, 5];
    gradCheck((x) => localAmplitude(x, 3, 1e-6), [{ data: randomF64(rng, shape, 0, 1), shape }], { rtol: 1e-5 });
    gradCheck((x) => localAmplitude(x, 5, 1e-4), [{ data: randomF64(rng, shape, 0, 1), shape }], { rtol: 1e-5 });
  });
});

test('augmentY0 stacks y0, the positional encoding and the amplitude of (y0+1)/2: 28 channels', () => {
  const shape = [2, 3, 6, 8];
  const y0 = rng.fillUniform(new Float32Array(2 * 3 * 48), -1, 1);
  const out = augmentY0(tensor(y0, shape));
  expect(out.shape).toEqual([2, 28, 6, 8]);
  const v = out.dataSync();
  const pe = fourierPosEnc(6, 8).dataSync();
  const amp = localAmplitude(tensor(Float32Array.from(y0, (a) => (a + 1) / 2), shape)).dataSync();
  const P = 48;
  for (let b = 0; b < 2; b++) {
    expect(v.slice(b * 28 * P, b * 28 * P + 3 * P)).toEqual(y0.slice(b * 3 * P, (b + 1) * 3 * P));
    expect(v.slice(b * 28 * P + 3 * P, b * 28 * P + 27 * P)).toEqual(pe);
    expect(v.slice(b * 28 * P + 27 * P, (b + 1) * 28 * P)).toEqual(amp.slice(b * P, (b + 1) * P));
  }
});
