import { expect, test } from 'vitest';
import { multiscaleLoss, multiscaleLossParts } from '../../src/resshift/loss.js';
import { Rng, tensor } from '../../src/tensor/index.js';
import { gradCheck, randomF64 } from '../support/engine.js';

const rng = new Rng(11, 4);

test('zero for identical images; terms per scale with the reference names', () => {
  const x = tensor(rng.fillUniform(new Float32Array(2 * 3 * 16 * 12), -1, 1), [2, 3, 16, 12]);
  const r = multiscaleLossParts(x, x);
  expect(r.loss.item()).toBe(0);
  expect(r.terms.map((t) => t.scale)).toEqual([1, 2, 4]);
  expect(r.terms.every((t) => t.spatial.item() === 0 && t.freq.item() === 0)).toBe(true);
});

test('loss = sum_s (1/s)(w_sp L1 + w_fr L1_dct) / sum_s 1/s', () => {
  const shape = [1, 2, 9, 7];
  const p = tensor(rng.fillUniform(new Float32Array(126), -1, 1), shape);
  const t = tensor(rng.fillUniform(new Float32Array(126), -1, 1), shape);
  const r = multiscaleLossParts(p, t, { scales: [1, 3], freqWeight: 0.5, spatialWeight: 2 });
  const [a, b] = r.terms;
  const want = ((2 * a.spatial.item() + 0.5 * a.freq.item()) + (2 * b.spatial.item() + 0.5 * b.freq.item()) / 3) / (1 + 1 / 3);
  expect(r.loss.item()).toBeCloseTo(want, 6);
});

test('finite-difference gradient in float64 (odd sizes, default scales)', () => {
  const shape = [1, 2, 11, 9];
  const target = randomF64(rng, shape);
  const noise = randomF64(rng, shape, -0.15, 0.15);
  gradCheck((p) => multiscaleLoss(p, tensor(target, shape, { dtype: 'float64' })), [{ data: target.map((v, i) => v + noise[i]), shape }]);
});

test('rejects mismatched shapes and bad scales', () => {
  const a = tensor(new Float32Array(16), [1, 1, 4, 4]);
  expect(() => multiscaleLoss(a, tensor(new Float32Array(8), [1, 1, 2, 4]))).toThrow(/differ/);
  expect(() => multiscaleLoss(a, a, { scales: [0.5] })).toThrow(/scales/);
});
