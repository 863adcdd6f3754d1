import { describe, expect, it } from 'vitest';
import { abs, add, affine, backward, clamp, compare, compareScalar, cos, div, erf, exp, gelu, log, mul, neg, relu, reluGrad, scope, sign, sin, sqrt, sub, sum, tensor } from '../../src/tensor/index.js';
import { Rng } from '../../src/tensor/rng.js';
import { expectClose, expectNoLeaks, gradCheck, randomF64 } from '../support/engine.js';

describe('elementwise: hand-checked values', () => {
  it('broadcasts like NumPy', () => {
    scope(() => {
      const a = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
      const b = tensor([10, 20, 30], [3]);
      const c = tensor([100, 200], [2, 1]);
      expect([...add(a, b).dataSync()]).toEqual([11, 22, 33, 14, 25, 36]);
      expect([...mul(a, c).dataSync()]).toEqual([100, 200, 300, 800, 1000, 1200]);
      expect([...sub(b, c).dataSync()]).toEqual([-90, -80, -70, -190, -180, -170]);
      expect(add(tensor([1], []), tensor([1, 2], [2, 1])).shape).toEqual([2, 1]);
    });
  });
  it('pins the edge conventions: sign(0)=0, relu(0)=0, clamp keeps NaN', () => {
    scope(() => {
      const x = tensor([-2, -0, 0, 3, NaN], [5]);
      expect([...sign(x).dataSync()]).toEqual([-1, 0, 0, 1, NaN]);
      expect([...relu(x).dataSync()]).toEqual([0, 0, 0, 3, NaN]);
      expect([...clamp(x, -1, 1).dataSync()]).toEqual([-1, -0, 0, 1, NaN]);
      expect([...abs(x).dataSync()]).toEqual([2, 0, 0, 3, NaN]);
      expect([...compareScalar(x, 'ge', 0).dataSync()]).toEqual([0, 1, 1, 1, 0]);
      expect([...compare(x, 'lt', tensor([0], [1])).dataSync()]).toEqual([1, 0, 0, 0, 0]);
      expect([...affine(tensor([1, 2], [2]), 3, -1).dataSync()]).toEqual([2, 5]);
    });
  });
  it('relu passes no gradient at exactly 0; clamp passes it at the bounds', () => {
    scope(() => {
      const x = tensor([-1, 0, 2], [3], { requiresGrad: true });
      backward(sum(relu(x)));
      expect([...x.grad!.dataSync()]).toEqual([0, 0, 1]);
      const y = tensor([-1, 0, 0.5, 1, 2], [5], { requiresGrad: true });
      backward(sum(clamp(y, 0, 1)));
      expect([...y.grad!.dataSync()]).toEqual([0, 1, 1, 1, 0]);
    });
  });
  it("relu's gradient selects rather than multiplies (as threshold_backward): NaN and inf stop where y <= 0", () => {
    scope(() => {
      const g = tensor([NaN, Infinity, -Infinity, 5, NaN, -2], [6]);
      const y = tensor([0, -0, NaN, 1e-30, 2, 3], [6]);
      expect([...reluGrad(g, y).dataSync()]).toEqual([0, 0, 0, 5, NaN, -2]);
      // broadcasts as the binary ops do
      expect([...reluGrad(tensor([1, 2, 3], [3]), tensor([1, 0], [2, 1])).dataSync()]).toEqual([1, 2, 3, 0, 0, 0]);
      // relu keeps only its output for the backward pass, and the input can go
      const x = tensor([-1, 2, 0.5], [3], { requiresGrad: true });
      const r = relu(mul(x, tensor([2], [1])));
      backward(sum(r));
      expect([...x.grad!.dataSync()]).toEqual([0, 2, 2]);
    });
  });
  it('gelu is the exact erf form: x * Phi(x)', () => {
    scope(() => {
      const xs = [-3, -1, 0, 0.5, 1, 2];
      const Phi = [0.0013498980316301035, 0.15865525393145707, 0.5, 0.6914624612740131, 0.8413447460685429, 0.9772498680518208];
      const x = tensor(Float64Array.from(xs), [6], { dtype: 'float64' });
      expectClose(gelu(x).dataSync(), xs.map((v, i) => v * Phi[i]), 1e-15, 1e-14);
    });
  });
  it('rejects shapes that do not broadcast, naming the op and the shapes', () => {
    scope(() => {
      expect(() => add(tensor([1, 2, 3], [3]), tensor([1, 2], [2]))).toThrow(/add: shapes \[3\] and \[2\] do not broadcast/);
      expect(() => mul(tensor([1], [1]), tensor(Float64Array.from([1]), [1], { dtype: 'float64' }))).toThrow(/mul: mixed dtypes/);
      expect(() => affine(tensor([1], [1]), NaN)).toThrow(/affine: non-finite/);
    });
  });
});

describe('elementwise: gradients by finite differences (float64)', () => {
  const rng = new Rng(42, 1);
  const shape = [3, 4];
  const pos = () => ({ data: randomF64(rng, shape, 0.5, 2), shape });
  const any = () => ({ data: randomF64(rng, shape, -2, 2), shape });
  const awayFromZero = () => ({ data: randomF64(rng, shape, 0.2, 2).map((v, i) => (i % 2 ? v : -v)), shape });
  const cases: [string, (...x: any[]) => any, () => { data: Float64Array; shape: number[] }][] = [
    ['neg', neg, any], ['exp', exp, any], ['log', log, pos], ['sqrt', sqrt, pos], ['abs', abs, awayFromZero],
    ['relu', relu, awayFromZero], ['sin', sin, any], ['cos', cos, any], ['erf', erf, any], ['gelu', gelu, any],
    ['affine', (x) => affine(x, -1.5, 0.25), any], ['clamp', (x) => clamp(x, -1.3, 1.1), any],
  ];
  for (const [name, f, gen] of cases) it(name, () => gradCheck(f, [gen()]));
  it('add/sub/mul/div with broadcasting', () => {
    const a = { data: randomF64(rng, [2, 3, 4], 0.5, 2), shape: [2, 3, 4] };
    const b = { data: randomF64(rng, [3, 1], 0.5, 2), shape: [3, 1] };
    for (const f of [add, sub, mul, div]) gradCheck(f, [a, b]);
    gradCheck(mul, [b, a]);
  });
  it('leaves no buffers behind', () => {
    expectNoLeaks(() =>
      scope(() => {
        const x = tensor([1, 2, 3, 4], [2, 2], { requiresGrad: true });
        backward(sum(mul(gelu(x), div(exp(x), tensor([2, 3], [2])))));
        x.dispose();
      }),
    );
  });
});
