// The wasm backend's memory: allocator behaviour, stats, out-of-memory errors, and a
// training-step-like sequence through the engine that must leave no buffer behind.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Heap, PAGE, sizeClass } from '../../src/backends/wasm/heap.js';
import { wasmApi } from '../../src/backends/wasm/wasm-api.js';
import {
  adamStep, backward, concat, conv2d, interpolateBilinear, maxPool2d, mean, mul, noGrad, relu, Rng, scope, setBackend, sub, sum, tensor, transferCount,
  zeros, type Tensor,
} from '../../src/tensor/index.js';
import { setupWasm } from './wasm-support.js';

let backend: Awaited<ReturnType<typeof setupWasm>>;

beforeAll(async () => {
  backend = await setupWasm(2);
});
afterAll(() => setBackend('ref'));

describe('allocator', () => {
  it('size classes are 16-byte multiples wasting at most a quarter', () => {
    for (const bytes of [1, 15, 16, 17, 255, 256, 257, 1000, 4096, 4097, 123457, 2 ** 26 + 1]) {
      const c = sizeClass(bytes);
      expect(c % 16).toBe(0);
      expect(c).toBeGreaterThanOrEqual(bytes);
      expect(c).toBeLessThanOrEqual(Math.max(16, bytes * 1.25 + 16));
    }
  });

  it('reuses freed blocks and keeps them aligned', () => {
    const a = backend.alloc(1000, 'float32');
    const b = backend.alloc(3, 'float32');
    expect(a.ptr % 16).toBe(0);
    expect(b.ptr % 16).toBe(0);
    const before = backend.stats();
    backend.free(a);
    const c = backend.alloc(1000, 'float32');
    expect(c.ptr).toBe(a.ptr);
    expect(() => backend.free(a)).toThrow(/twice/);
    backend.free(b);
    backend.free(c);
    expect(backend.stats().liveBuffers).toBe(before.liveBuffers - 2);
  });

  it('data survives memory growth (views are never cached)', () => {
    const small = backend.alloc(4, 'float32');
    backend.write(small, [1, 2, 3, 4]);
    const big = backend.alloc(40 * 2 ** 20, 'float32'); // 160 MiB: forces a grow
    expect([...backend.readSync(small)]).toEqual([1, 2, 3, 4]);
    backend.free(big);
    backend.free(small);
  });

  it('fails with a clear error when a tensor cannot fit', () => {
    const memory = new wasmApi.Memory({ initial: 1, maximum: 4, shared: false });
    const heap = new Heap(memory, 1024, 4);
    expect(heap.alloc(100 * 1024)).toBe(1024);
    expect(() => heap.alloc(4 * PAGE)).toThrow(/cannot allocate .* above its .* limit \(wasm32 caps at 4 GiB/);
  });

  it('rejects float64', () => {
    expect(() => backend.alloc(4, 'float64')).toThrow(/float32 only/);
  });
});

describe('through the engine', () => {
  it('a training step leaves stats unchanged and never falls back to ref', () => {
    setBackend('wasm');
    const rng = new Rng(1, 1);
    const init = (shape: number[], s: number) => tensor(rng.fillUniform(new Float32Array(shape.reduce((p, d) => p * d, 1)), -s, s), shape);
    const w1 = init([8, 3, 3, 3], 0.3), w2 = init([3, 8, 1, 1], 0.3), b1 = init([8], 0.1);
    const params = [w1, w2, b1];
    const moments = params.flatMap((p) => [zeros(p.shape), zeros(p.shape)]);
    for (const p of params) p.requiresGrad = true;
    const x = init([2, 3, 16, 16], 1), target = init([2, 3, 8, 8], 1);
    let step = 0;
    const trainStep = () => {
      scope(() => {
        const h = relu(conv2d(x, w1, b1, { padding: 1 }));
        const pooled = maxPool2d(h, 2);
        const y = conv2d(pooled, w2);
        const up = interpolateBilinear(concat([y, y], 0), { size: [8, 8], alignCorners: false });
        const diff = sub(up, concat([target, target], 0));
        const loss = mean(mul(diff, diff));
        backward(loss);
        step++;
        noGrad(() => params.forEach((p, i) => adamStep(p, moments[2 * i], moments[2 * i + 1], p.grad!, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, step })));
        for (const p of params) {
          p.grad!.dispose();
          p.grad = null;
        }
      });
    };
    trainStep(); // warms any caches
    const before = backend.stats();
    const transfers = transferCount();
    trainStep();
    trainStep();
    expect(backend.stats()).toEqual(before);
    expect(transferCount()).toBe(transfers);
    expect(params.every((p: Tensor) => p.backend === 'wasm')).toBe(true);
    expect(Number.isFinite(sum(w1).item())).toBe(true);
    for (const t of [...params, ...moments, x, target]) t.dispose();
    setBackend('ref');
  });
});
