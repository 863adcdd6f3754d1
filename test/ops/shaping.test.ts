import { describe, expect, it } from 'vitest';
import { backward, concat, expand, mul, pad, permute, reshape, scope, slice, sliceAxis, split, sum, tensor, transpose, unsqueeze } from '../../src/tensor/index.js';
import { Rng } from '../../src/tensor/rng.js';
import { expectNoLeaks, gradCheck, liveBuffers, randomF64 } from '../support/engine.js';

describe('movement ops', () => {
  it('reshape is a view: no new buffer, same values', () => {
    scope(() => {
      const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
      const before = liveBuffers();
      const y = reshape(x, [3, -1]);
      expect(liveBuffers()).toBe(before);
      expect(y.shape).toEqual([3, 2]);
      expect([...y.dataSync()]).toEqual([1, 2, 3, 4, 5, 6]);
      x.dispose();
      expect([...y.dataSync()]).toEqual([1, 2, 3, 4, 5, 6]); // storage lives while a view does
      expect(() => reshape(y, [4, 2])).toThrow(/reshape: cannot reshape \[3, 2\] to \[4, 2\]/);
      expect(unsqueeze(y, 0).shape).toEqual([1, 3, 2]);
    });
  });
  it('permute, transpose', () => {
    scope(() => {
      const x = tensor([0, 1, 2, 3, 4, 5], [1, 2, 3]);
      expect([...permute(x, [2, 0, 1]).dataSync()]).toEqual([0, 3, 1, 4, 2, 5]);
      expect(permute(x, [2, 0, 1]).shape).toEqual([3, 1, 2]);
      expect([...transpose(x).dataSync()]).toEqual([0, 3, 1, 4, 2, 5]);
      expect(() => permute(x, [0, 0, 1])).toThrow(/permute: \[0, 0, 1\] is not a permutation/);
    });
  });
  it('slice, pad, concat, expand', () => {
    scope(() => {
      const x = tensor([0, 1, 2, 3, 4, 5], [2, 3]);
      expect([...slice(x, [0, 1], [2, 3]).dataSync()]).toEqual([1, 2, 4, 5]);
      expect([...sliceAxis(x, 0, 1, 2).dataSync()]).toEqual([3, 4, 5]);
      expect([...pad(tensor([1, 2], [1, 2]), [[1, 0], [0, 1]], 9).dataSync()]).toEqual([9, 9, 9, 1, 2, 9]);
      expect([...concat([x, tensor([6, 7], [2, 1])], 1).dataSync()]).toEqual([0, 1, 2, 6, 3, 4, 5, 7]);
      expect([...concat([x, tensor([6, 7, 8], [1, 3])], 0).dataSync()]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
      expect([...expand(tensor([1, 2], [2, 1]), [2, 2, 3]).dataSync()]).toEqual([1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2]);
      expect(() => slice(x, [0, 2], [2, 4])).toThrow(/slice: range \[2, 4\) out of bounds for axis 1 of \[2, 3\]/);
      expect(() => concat([x, tensor([1, 2], [1, 2])], 0)).toThrow(/concat: shapes \[2, 3\], \[1, 2\] differ outside axis 0/);
      expect(() => expand(x, [3, 3])).toThrow(/expand: \[2, 3\] cannot be broadcast to \[3, 3\]/);
    });
  });
  it('split: consecutive pieces of one axis, empty ones included; its gradient is one concat', () => {
    scope(() => {
      const x = tensor([0, 1, 2, 3, 4, 5, 6, 7], [2, 4], { requiresGrad: true });
      const parts = split(x, [1, 0, 3], -1);
      expect(parts.map((p) => p.shape)).toEqual([[2, 1], [2, 0], [2, 3]]);
      expect(parts.map((p) => [...p.dataSync()])).toEqual([[0, 4], [], [1, 2, 3, 5, 6, 7]]);
      expect([...concat(split(x, [1, 1], 0), 0).dataSync()]).toEqual([...x.dataSync()]);
      // a piece that gets no gradient contributes zeros
      backward(sum(mul(parts[2], tensor([1, 2, 3], [3]))));
      expect([...x.grad!.dataSync()]).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
      expect(() => split(x, [2, 1], 1)).toThrow(/split: sizes \[2, 1\] must be one or more non-negative integers adding up to 4 \(axis 1 of \[2, 4\]\)/);
      expect(() => split(tensor([], [0]), [])).toThrow(/split: sizes \[\] must be one or more/);
      expect(() => split(x, [5, -1], 1)).toThrow(/split: sizes/);
      expect(() => split(x, [2], 2)).toThrow(/split/);
    });
  });
  it('gradients by finite differences (float64)', () => {
    const rng = new Rng(11, 0);
    const x = { data: randomF64(rng, [2, 3, 4]), shape: [2, 3, 4] };
    const y = { data: randomF64(rng, [2, 1, 4]), shape: [2, 1, 4] };
    gradCheck((t) => permute(t, [1, 2, 0]), [x]);
    gradCheck((t) => slice(t, [1, 0, 1], [2, 2, 4]), [x]);
    gradCheck((t) => pad(t, [[0, 1], [2, 0], [1, 1]]), [x]);
    gradCheck((a, b) => concat([a, b, a], 1), [x, y]);
    // every piece weighted differently, so each output's gradient reaches its own slots
    gradCheck((t) => {
      const [a, b, c] = split(t, [1, 2, 1], 2);
      return concat([mul(a, a), b, mul(c, tensor(Float64Array.from([3]), [1], { dtype: 'float64' }))], 2);
    }, [x]);
    gradCheck((t) => expand(t, [3, 2, 5, 4]), [y]);
    gradCheck((t) => mul(reshape(t, [6, 4]), reshape(t, [6, 4])), [x]);
  });
  it('leaves no buffers behind', () => {
    expectNoLeaks(() =>
      scope(() => {
        const x = tensor([1, 2, 3, 4], [2, 2], { requiresGrad: true });
        backward(sum(concat([pad(x, [[1, 1], [0, 0]]), expand(slice(x, [0, 0], [1, 2]), [4, 2])], 0)));
        x.dispose();
      }),
    );
  });
});
