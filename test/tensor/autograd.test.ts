import { describe, expect, it } from 'vitest';
import { add, addScalar, backward, exp, keep, mul, mulScalar, noGrad, retainGrad, scope, sin, sum, tensor, zeroGrad } from '../../src/tensor/index.js';
import { expectNoLeaks, liveBuffers } from '../support/engine.js';

describe('autograd', () => {
  it('accumulates gradients of a reused tensor and across backward calls', () => {
    scope(() => {
      const x = tensor([1, 2], [2], { requiresGrad: true });
      backward(sum(mul(x, x))); // d/dx x^2 = 2x
      expect([...x.grad!.dataSync()]).toEqual([2, 4]);
      backward(sum(add(x, x))); // accumulates 2
      expect([...x.grad!.dataSync()]).toEqual([4, 6]);
      zeroGrad([x]);
      expect(x.grad).toBeNull();
    });
  });
  it('handles a graph tens of thousands of nodes deep without recursion', () => {
    scope(() => {
      const x = tensor([0.5], [1], { requiresGrad: true });
      let y = x;
      for (let i = 0; i < 20000; i++) y = addScalar(mulScalar(y, 1), 0);
      backward(sum(y));
      expect([...x.grad!.dataSync()]).toEqual([1]);
    });
  });
  it('records nothing under noGrad and refuses backward through it', () => {
    scope(() => {
      const x = tensor([1], [1], { requiresGrad: true });
      const y = noGrad(() => exp(x));
      expect(y.requiresGrad).toBe(false);
      expect(() => backward(sum(y))).toThrow(/does not require grad/);
    });
  });
  it('needs an explicit gradient for non-scalar outputs and checks its shape', () => {
    scope(() => {
      const x = tensor([1, 2], [2], { requiresGrad: true });
      const y = sin(x);
      expect(() => backward(y)).toThrow(/not a scalar/);
      expect(() => backward(y, tensor([1], [1]))).toThrow(/gradient \[1\] does not match output \[2\]/);
      backward(y, tensor([1, 1], [2]));
      expect(x.grad!.dataSync()[0]).toBeCloseTo(Math.cos(1), 6);
    });
  });
  it('differentiates through an intermediate whose handle was disposed (the graph holds it)', () => {
    const grad = (disposeEarly: boolean) =>
      scope(() => {
        const x = tensor([1, 2], [2], { requiresGrad: true });
        const h = exp(x);
        const y = sum(mul(h, h));
        if (disposeEarly) h.dispose();
        backward(y);
        return [...x.grad!.dataSync()];
      });
    const g = grad(true);
    expect(g).toEqual(grad(false));
    expect(g[0]).toBeCloseTo(2 * Math.exp(2), 4); // d/dx exp(x)^2 = 2 exp(2x)
  });
  it('gives bit-identical gradients run after run', () => {
    const run = () =>
      scope(() => {
        const x = tensor(Float32Array.from({ length: 64 }, (_, i) => Math.sin(i) * 3), [8, 8], { requiresGrad: true });
        let y = x;
        for (let i = 0; i < 5; i++) y = add(mul(sin(y), y), x);
        backward(sum(y));
        const g = x.grad!.dataSync();
        x.dispose();
        return g;
      });
    expect(run()).toEqual(run());
  });
  it('scopes free intermediates and gradients, keep() and results survive', () => {
    const before = liveBuffers();
    const kept = scope(() => {
      const x = tensor([1, 2, 3], [3], { requiresGrad: true });
      const y = sum(mul(exp(x), x));
      backward(y);
      const k = keep(mulScalar(x, 2));
      x.dispose();
      return { k, y };
    });
    expect(liveBuffers() - before).toBe(2);
    kept.k.dispose();
    kept.y.dispose();
    expect(liveBuffers()).toBe(before);
  });
  it('a backward pass leaves nothing behind', () => {
    expectNoLeaks(() => {
      const w = tensor([0.1, 0.2, 0.3, 0.4], [2, 2], { requiresGrad: true });
      scope(() => backward(sum(mul(sin(w), exp(w)))));
      w.dispose(); // also frees w.grad
    });
  });
  it('an exception inside a scope frees what the scope made', () => {
    const before = liveBuffers();
    expect(() =>
      scope(() => {
        exp(tensor([1, 2], [2]));
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(liveBuffers()).toBe(before);
  });
});

describe('autograd: retained and returned gradients', () => {
  it('retainGrad keeps the gradient of an intermediate tensor', () => {
    scope(() => {
      const x = tensor([1, 2], [2], { requiresGrad: true });
      const h = retainGrad(mulScalar(x, 3));
      backward(sum(mul(h, h)));
      expect([...h.grad!.dataSync()]).toEqual([6, 12]);
      expect([...x.grad!.dataSync()]).toEqual([18, 36]);
    });
  });
  it('a gradient returned from a scope survives its leaf', () => {
    const before = liveBuffers();
    const g = scope(() => {
      const x = tensor([1, 2], [2], { requiresGrad: true });
      backward(sum(mul(x, x)));
      return x.grad!;
    });
    expect([...g.dataSync()]).toEqual([2, 4]);
    g.dispose();
    expect(liveBuffers()).toBe(before);
  });
});
