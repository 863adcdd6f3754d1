import { describe, expect, it } from 'vitest';
import { registerKernel } from '../../src/backends/registry.js';
import type { RefTensor } from '../../src/backends/ref/backend.js';
import { add, backward, defineOp, exp, memory, mul, relu, runOp, scope, sin, sum, tensor, type Tensor } from '../../src/tensor/index.js';
import { expectNoLeaks, liveBuffers } from '../support/engine.js';

// The autograd graph keeps alive exactly the tensors each gradient reads, so results returned
// from a scope stay differentiable; it lets go of them after backward() or once the result is
// disposed.

const leaves = () => ({
  x: tensor([0.5, -1, 2, -0.25, 1.5, 3], [2, 3], { requiresGrad: true }),
  w: tensor([1.5, 0.5, -2, 1, -1, 0.75], [2, 3], { requiresGrad: true }),
});
const grads = (...ts: Tensor[]) => ts.map((t) => [...t.grad!.dataSync()]);

describe('graph lifetime', () => {
  it('a tensor returned from a scope can be differentiated, with the gradient computed without the scope', () => {
    const withScope = (() => {
      const { x, w } = leaves();
      const y = scope(() => relu(mul(x, w)));
      backward(sum(y));
      return grads(x, w);
    })();
    const plain = (() => {
      const { x, w } = leaves();
      backward(sum(relu(mul(x, w))));
      return grads(x, w);
    })();
    expect(withScope).toEqual(plain);
    // d relu(xw)/dx = w where xw > 0
    expect(withScope[0]).toEqual([1.5, 0, -0, 0, -0, 0.75]);
  });

  it('backward() releases what the graph saved; disposing the rest then frees everything', () => {
    const { x, w } = leaves();
    const before = liveBuffers();
    const y = scope(() => relu(mul(x, w)));
    // only y: relu's gradient reads its output, mul's reads the leaves
    expect(liveBuffers() - before).toBe(1);
    expect(memory().graphNodes).toBe(2);
    const loss = sum(y);
    backward(loss);
    // y, loss and the two leaf gradients remain
    expect(liveBuffers() - before).toBe(4);
    expect(memory().graphNodes).toBe(0);
    y.dispose();
    loss.dispose();
    x.dispose();
    w.dispose();
    expect(liveBuffers()).toBe(before - 2);
  });

  it('a result disposed without backward leaves nothing behind', () => {
    expectNoLeaks(() => {
      const { x, w } = leaves();
      const y = scope(() => exp(relu(mul(sin(x), w))));
      y.dispose();
      x.dispose();
      w.dispose();
    });
    expect(memory().graphNodes).toBe(0);
  });

  it('releases a deep graph without recursion', () => {
    expectNoLeaks(() => {
      const x = tensor([0.5], [1], { requiresGrad: true });
      const y = scope(() => {
        let h = x;
        for (let i = 0; i < 20000; i++) h = sin(h);
        return h;
      });
      y.dispose();
      x.dispose();
    });
    expect(memory().graphNodes).toBe(0);
  });

  it('a shared part of the graph lives while any consumer of it does', () => {
    expectNoLeaks(() => {
      const x = tensor([0.5, 1], [2], { requiresGrad: true });
      const [y1, y2] = scope(() => {
        const m = exp(x);
        return [mul(m, m), sin(m)];
      });
      y1.dispose();
      const loss = sum(y2);
      backward(loss);
      loss.dispose();
      // d sin(exp x)/dx = cos(exp x) exp x
      expect(x.grad!.dataSync()[0]).toBeCloseTo(Math.cos(Math.exp(0.5)) * Math.exp(0.5), 5);
      y2.dispose();
      x.dispose();
    });
  });

  it('keeps only what each gradient reads', () => {
    scope(() => {
      const x = tensor([1, -2, 3], [3], { requiresGrad: true });
      const c = tensor([2, 2, 2], [3]);
      const before = liveBuffers();
      // mul's gradient for sin(x) reads only c; sin's reads x: sin(x) itself is freed
      const a = scope(() => mul(sin(x), c));
      expect(liveBuffers() - before).toBe(1);
      // add's gradient reads nothing
      const b = scope(() => add(sin(x), c));
      expect(liveBuffers() - before).toBe(2);
      // exp's gradient reads its output: sin(x) goes, the result stays
      const e = scope(() => exp(sin(x)));
      expect(liveBuffers() - before).toBe(3);
      // sin's gradient reads its input, so the inner sin(x) stays with the graph
      const s = scope(() => sin(sin(x)));
      expect(liveBuffers() - before).toBe(5);
      s.dispose();
      e.dispose();
      expect(liveBuffers() - before).toBe(2);
      a.dispose();
      b.dispose();
    });
  });

  it('refuses a second backward through a used graph unless the first retained it', () => {
    scope(() => {
      const x = tensor([1, 2], [2], { requiresGrad: true });
      const y = sum(mul(x, x));
      backward(y);
      expect(() => backward(y)).toThrow(/graph through 'sum' \(node #\d+\) was already used by an earlier backward\(\).*retainGraph/);
      expect([...x.grad!.dataSync()]).toEqual([2, 4]); // the refused call changed nothing

      const z = sum(mul(x, x));
      backward(z, undefined, { retainGraph: true });
      backward(z);
      expect([...x.grad!.dataSync()]).toEqual([6, 12]);
      expect(() => backward(z)).toThrow(/already used/);
    });
  });
});

describe('OpDef.saves', () => {
  // A view op needs no kernel, so a test can define one.
  const readsUnsaved = defineOp({
    name: 'testViewReadsUnsavedInput',
    inputs: 1,
    view: true,
    inferShapes: ([s]) => [s],
    saves: () => ({}),
    grad: ({ inputs: [x], grads: [g] }) => [mul(g, x)],
  });
  // Without saves() a node keeps every input and output.
  const square = defineOp({
    name: 'testSquareSavesAll',
    inputs: 1,
    inferShapes: ([s]) => [s],
    grad: ({ inputs: [x], grads: [g] }) => [mul(g, add(x, x))],
  });
  registerKernel('ref', 'testSquareSavesAll', ([x]: readonly RefTensor[], [y]: readonly RefTensor[]) => {
    for (let i = 0; i < x.buf.size; i++) y.buf.data[i] = x.buf.data[i] * x.buf.data[i];
  });

  it('a gradient that reads an input its op does not save fails with a message naming both', () => {
    scope(() => {
      const x = tensor([1, 2], [2], { requiresGrad: true });
      const y = runOp(readsUnsaved, [sin(x)])[0];
      expect(() => backward(sum(y))).toThrow(/is input 0 of 'testViewReadsUnsavedInput', which its saves\(\) leaves out/);
    });
  });

  it('an op without saves() keeps all its tensors and still differentiates after the scope', () => {
    scope(() => {
      const x = tensor([1, 2], [2], { requiresGrad: true });
      const before = liveBuffers();
      const y = scope(() => runOp(square, [sin(x)])[0]);
      // y, and sin(x), kept by the square node (y is kept by it too, on the same buffer)
      expect(liveBuffers() - before).toBe(2);
      backward(sum(y)); // d sin(x)^2 / dx = 2 sin x cos x
      expect(x.grad!.dataSync()[0]).toBeCloseTo(Math.sin(2), 6);
    });
  });
});
