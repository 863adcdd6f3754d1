import { describe, expect, it } from 'vitest';
import { linear, matmul, scope, tensor } from '../../src/tensor/index.js';
import { Rng } from '../../src/tensor/rng.js';
import { gradCheck, randomF64 } from '../support/engine.js';

describe('matmul and linear', () => {
  it('hand-checked products, transposes and batch broadcasting', () => {
    scope(() => {
      const a = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
      const b = tensor([1, 0, 0, 1, 1, 1], [3, 2]);
      expect([...matmul(a, b).dataSync()]).toEqual([4, 5, 10, 11]);
      expect([...matmul(a, a, false, true).dataSync()]).toEqual([14, 32, 32, 77]);
      expect([...matmul(a, a, true, false).dataSync()]).toEqual([17, 22, 27, 22, 29, 36, 27, 36, 45]);
      const batched = tensor([1, 2, 3, 4, 5, 6, 1, 1, 1, 1, 1, 1], [2, 2, 3]);
      const m = matmul(batched, b);
      expect(m.shape).toEqual([2, 2, 2]);
      expect([...m.dataSync()]).toEqual([4, 5, 10, 11, 2, 2, 2, 2]);
      expect(matmul(tensor(new Float32Array(3 * 1 * 2 * 4), [3, 1, 2, 4]), tensor(new Float32Array(5 * 4 * 6), [5, 4, 6])).shape).toEqual([3, 5, 2, 6]);
      expect(() => matmul(a, a)).toThrow(/matmul: inner dimensions differ: \[2, 3\] @ \[2, 3\] \(3 vs 2\)/);
      expect(() => matmul(tensor([1, 2], [2]), a)).toThrow(/rank >= 2/);
      expect([...linear(a, tensor([1, 1, 1], [1, 3]), tensor([0.5], [1])).dataSync()]).toEqual([6.5, 15.5]);
      expect(() => linear(a, tensor([1, 1], [1, 2]))).toThrow(/linear: input \[2, 3\] does not end in in_features 2/);
    });
  });
  it('gradients by finite differences for every transpose combination and broadcast batch', () => {
    const rng = new Rng(3, 0);
    const A = { data: randomF64(rng, [2, 3, 4]), shape: [2, 3, 4] };
    const At = { data: randomF64(rng, [2, 4, 3]), shape: [2, 4, 3] };
    const B = { data: randomF64(rng, [4, 5]), shape: [4, 5] };
    const Bt = { data: randomF64(rng, [5, 4]), shape: [5, 4] };
    gradCheck((a, b) => matmul(a, b), [A, B]);
    gradCheck((a, b) => matmul(a, b, true, false), [At, B]);
    gradCheck((a, b) => matmul(a, b, false, true), [A, Bt]);
    gradCheck((a, b) => matmul(a, b, true, true), [At, Bt]);
    gradCheck((b, a) => matmul(b, a, true, true), [{ data: randomF64(rng, [3, 2]), shape: [3, 2] }, { data: randomF64(rng, [2, 2, 3, 3]), shape: [2, 2, 3, 3] }]);
    gradCheck((x, w, b) => linear(x, w, b), [{ data: randomF64(rng, [3, 4]), shape: [3, 4] }, Bt, { data: randomF64(rng, [5]), shape: [5] }]);
  });
});
