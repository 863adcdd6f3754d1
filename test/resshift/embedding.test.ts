import { expect, test } from 'vitest';
import { sinusoidalTimeEmbedding, timeEmbeddingFreqs } from '../../src/nn/embedding.js';
import { tensor } from '../../src/tensor/index.js';
import { gradCheck } from '../support/engine.js';

test('time embedding is cat(sin(t f), cos(t f)) with f_i = exp(-i ln(10000) / (half-1))', () => {
  const t = [0, 1, 7, 15];
  const out = sinusoidalTimeEmbedding(tensor(t, [4]), 128).dataSync();
  for (let b = 0; b < 4; b++)
    for (let i = 0; i < 64; i++) {
      const a = t[b] * Math.exp((-i * Math.log(10000)) / 63);
      expect(out[b * 128 + i]).toBeCloseTo(Math.sin(a), 5);
      expect(out[b * 128 + 64 + i]).toBeCloseTo(Math.cos(a), 5);
    }
  // t = 0 embeds as [0...0, 1...1]
  expect([...out.slice(0, 64)].every((v) => v === 0) && [...out.slice(64, 128)].every((v) => v === 1)).toBe(true);
});

test('frequencies are float32 values, first 1 and last 1/maxPeriod', () => {
  const f = timeEmbeddingFreqs(16, 100);
  expect(f).toBeInstanceOf(Float32Array);
  expect(f[0]).toBe(1);
  expect(f[7]).toBe(Math.fround(0.01));
});

test('dim must be even and at least 4', () => {
  const t = tensor([1], [1]);
  for (const dim of [2, 7, 0, 5.5]) expect(() => sinusoidalTimeEmbedding(t, dim)).toThrow(/even integer >= 4/);
  expect(() => sinusoidalTimeEmbedding(tensor([1, 2], [1, 2]), 8)).toThrow(/\[B\]/);
});

test('is differentiable in t', () => {
  gradCheck((t) => sinusoidalTimeEmbedding(t, 8), [{ data: Float64Array.from([0.3, 2.5, 4]), shape: [3] }]);
});
