import { describe, expect, it } from 'vitest';
import { avgPool2d, backward, conv2d, haar2d, ihaar2d, interpolateBilinear, maxPool2d, scope, sum, tensor } from '../../src/tensor/index.js';
import { Rng } from '../../src/tensor/rng.js';
import { expectNoLeaks, gradCheck, randomF64 } from '../support/engine.js';

// Engine-level checks of the windowed ops: shape errors, and that each op's gradient wiring
// (conv2dGradInput/-Weight, pooling and resize adjoints, haar pair) matches finite differences.

const rng = new Rng(21, 0);
const input = (shape: number[]) => ({ data: randomF64(rng, shape), shape });

describe('conv2d', () => {
  it('rejects mismatched shapes naming the op and the shapes', () => {
    scope(() => {
      const x = tensor(new Float32Array(2 * 3 * 5 * 5), [2, 3, 5, 5]);
      expect(() => conv2d(x, tensor(new Float32Array(4 * 2 * 3 * 3), [4, 2, 3, 3]))).toThrow(/conv2d: input \[2, 3, 5, 5\] has 3 channels but weight \[4, 2, 3, 3\] expects 2/);
      expect(() => conv2d(tensor(new Float32Array(15), [3, 5]), x)).toThrow(/conv2d: .* must both be 4-D/);
      expect(() => conv2d(x, tensor(new Float32Array(4 * 3 * 9), [4, 3, 3, 3]), tensor([1, 2], [2]))).toThrow(/conv2d: bias \[2\] does not match 4 output channels/);
      expect(() => conv2d(x, tensor(new Float32Array(4 * 3 * 49), [4, 3, 7, 7]))).toThrow(/does not fit/);
    });
  });
  it('gradients by finite differences: 3x3 pad 1, stride 2, 1x1, bias', () => {
    const x = input([2, 3, 7, 6]);
    gradCheck((a, w, b) => conv2d(a, w, b, { padding: 1 }), [x, input([4, 3, 3, 3]), input([4])]);
    gradCheck((a, w) => conv2d(a, w, null, { stride: 2, padding: 1 }), [x, input([2, 3, 3, 3])]);
    gradCheck((a, w) => conv2d(a, w, null, { stride: [2, 1], padding: [0, 2] }), [x, input([2, 3, 3, 5])]);
    gradCheck((a, w, b) => conv2d(a, w, b), [x, input([5, 3, 1, 1]), input([5])]);
    // fused relu: the gradient goes through reluGrad of the output (random inputs stay off the kink)
    gradCheck((a, w, b) => conv2d(a, w, b, { padding: 1, relu: true }), [x, input([4, 3, 3, 3]), input([4])]);
  });
});

describe('pooling, resize, haar', () => {
  it('gradients by finite differences', () => {
    // distinct values keep max pooling away from ties
    const distinct = { data: Float64Array.from({ length: 2 * 2 * 7 * 9 }, (_, i) => Math.sin(i * 1.7) * 2 + i * 1e-3), shape: [2, 2, 7, 9] };
    gradCheck((t) => maxPool2d(t, 2), [distinct]);
    gradCheck((t) => maxPool2d(t, 3, { stride: 2, padding: 1 }), [distinct]);
    gradCheck((t) => avgPool2d(t, 7, { stride: 1, padding: 3 }), [input([1, 2, 8, 9])]);
    gradCheck((t) => avgPool2d(t, 3, { stride: 2, padding: 1, countIncludePad: false }), [input([1, 2, 8, 9])]);
    gradCheck((t) => interpolateBilinear(t, { scaleFactor: 2, alignCorners: true }), [input([1, 2, 3, 4])]);
    gradCheck((t) => interpolateBilinear(t, { scaleFactor: 0.5 }), [input([1, 2, 13, 11])]);
    gradCheck((t) => interpolateBilinear(t, { size: [5, 7] }), [input([2, 3, 4])]);
    gradCheck((t) => haar2d(t), [input([2, 3, 4, 6])]);
    gradCheck((t) => ihaar2d(t), [input([2, 4, 3, 2])]);
  });
  it('interpolate follows PyTorch output sizes and rejects bad arguments', () => {
    scope(() => {
      const x = tensor(new Float32Array(13 * 11), [1, 1, 13, 11]);
      expect(interpolateBilinear(x, { scaleFactor: 0.5 }).shape).toEqual([1, 1, 6, 5]);
      expect(interpolateBilinear(x, { scaleFactor: 0.25 }).shape).toEqual([1, 1, 3, 2]);
      expect(() => interpolateBilinear(x, { scaleFactor: 0 })).toThrow(/invalid scale factor/);
      expect(() => interpolateBilinear(x, {})).toThrow(/exactly one of size and scaleFactor/);
      expect(() => haar2d(x)).toThrow(/haar2d: needs even, non-zero H and W, got \[1, 1, 13, 11\]/);
      expect(() => maxPool2d(tensor([1, 2, 3], [3]), 2)).toThrow(/maxPool2d: input must be 4-D/);
    });
  });
  it('leave no buffers behind', () => {
    expectNoLeaks(() =>
      scope(() => {
        const x = tensor(Float32Array.from({ length: 64 }, (_, i) => i % 7), [1, 1, 8, 8], { requiresGrad: true });
        const w = tensor(Float32Array.from({ length: 9 }, (_, i) => i - 4), [1, 1, 3, 3], { requiresGrad: true });
        const y = ihaar2d(haar2d(interpolateBilinear(avgPool2d(maxPool2d(conv2d(x, w, null, { padding: 1 }), 2), 3, { stride: 1, padding: 1 }), { scaleFactor: 2, alignCorners: true })));
        backward(sum(y));
        x.dispose();
        w.dispose();
      }),
    );
  });
});
