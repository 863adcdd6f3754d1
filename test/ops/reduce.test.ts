import { describe, expect, it } from 'vitest';
import { backward, extremumMask, max, mean, min, scope, sum, tensor } from '../../src/tensor/index.js';
import { Rng } from '../../src/tensor/rng.js';
import { expectNoLeaks, gradCheck, randomF64 } from '../support/engine.js';

describe('reductions', () => {
  it('sum and mean over axes, with and without keepDims', () => {
    scope(() => {
      const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
      expect([...sum(x).dataSync()]).toEqual([21]);
      expect(sum(x).shape).toEqual([]);
      expect([...sum(x, 0).dataSync()]).toEqual([5, 7, 9]);
      expect([...sum(x, -1, true).dataSync()]).toEqual([6, 15]);
      expect(sum(x, -1, true).shape).toEqual([2, 1]);
      expect([...mean(x, [0, 1]).dataSync()]).toEqual([3.5]);
      expect(() => sum(x, 2)).toThrow(/sum: axis 2 out of range for rank 2/);
      expect(() => sum(x, [1, -1])).toThrow(/repeated axis/);
    });
  });
  it('max/min pick values; the gradient goes to the first extremum only', () => {
    scope(() => {
      const x = tensor([3, 1, 3, 0, 0, -2], [2, 3], { requiresGrad: true });
      expect([...max(x, 1).dataSync()]).toEqual([3, 0]);
      expect([...min(x, 1).dataSync()]).toEqual([1, -2]);
      expect([...extremumMask(x, [1], 'max').dataSync()]).toEqual([1, 0, 0, 1, 0, 0]);
      backward(sum(max(x, 1)));
      expect([...x.grad!.dataSync()]).toEqual([1, 0, 0, 1, 0, 0]);
    });
  });
  it('max propagates NaN like torch.max', () => {
    scope(() => expect([...max(tensor([1, NaN, 3], [3])).dataSync()]).toEqual([NaN]));
  });
  it('gradients by finite differences (float64)', () => {
    const rng = new Rng(5, 0);
    const x = { data: randomF64(rng, [2, 3, 4]), shape: [2, 3, 4] };
    gradCheck((t) => sum(t, [0, 2]), [x]);
    gradCheck((t) => mean(t, 1, true), [x]);
    gradCheck((t) => max(t, [1, 2]), [x]);
    gradCheck((t) => min(t, 0, true), [x]);
  });
  it('leaves no buffers behind', () => {
    expectNoLeaks(() =>
      scope(() => {
        const x = tensor([1, 5, 2, 4], [2, 2], { requiresGrad: true });
        backward(sum(max(x, 0)));
        x.dispose();
      }),
    );
  });
});
