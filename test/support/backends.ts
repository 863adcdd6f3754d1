// The backends every conformance suite runs on, from one list: a suite loops over it, so a new
// backend is tested by every suite at once. Each entry sets itself up lazily (in beforeAll) and
// says why it is skipped when it cannot run here.
import { expect } from 'vitest';
import { listBackends } from '../../src/backends/registry.js';
import { registerAsyncTestBackend } from './async-backend.js';
import { setupWasm } from '../backends/wasm-support.js';
import { gpuSkipReason, setupGpu } from '../backends/gpu-support.js';

export interface TestBackend {
  name: string;
  /** Registers / starts the backend; resolves to null when ready, else the reason it cannot run here. */
  setup(): Promise<string | null>;
  /**
   * GPU backends: the kernels dispatched so far and the GPU.js kernel class running them, after
   * every queued step has run (rejecting with a failure no read surfaced), so a suite can check
   * that a case really ran on the GPU, and on which kernel class.
   */
  gpuWork?(): Promise<{ dispatches: number; kernelClass: string }>;
}

/**
 * Runs `fn` and, on a GPU backend, checks it dispatched GPU.js kernels of class WebGPUKernel
 * (`hostOnly`: work that has no tensor op on any backend, which must dispatch none).
 */
export async function expectRunsOnGpu<T>(backend: TestBackend, fn: () => Promise<T>, hostOnly = false): Promise<T> {
  const before = await backend.gpuWork?.();
  const r = await fn();
  if (before) {
    const after = (await backend.gpuWork!())!;
    if (hostOnly) {
      expect(after.dispatches, `${backend.name}: host-only work dispatched GPU.js kernels`).toBe(before.dispatches);
      return r;
    }
    expect(after.dispatches, `${backend.name}: GPU.js kernels dispatched`).toBeGreaterThan(before.dispatches);
    expect(after.kernelClass, `${backend.name}: the GPU.js kernel class that ran`).toBe('WebGPUKernel');
  }
  return r;
}

/**
 * Golden ops computed on the host in double precision on every backend (no tensor op): the eta
 * schedule and the cosine learning rate, numbers the model reads, not tensors it computes.
 */
export const HOST_ONLY_GOLDEN_OPS: readonly string[] = ['eta_schedule', 'cosine_annealing_lr'];

export const TEST_BACKENDS: readonly TestBackend[] = [
  { name: 'ref', setup: async () => null },
  {
    name: 'wasm',
    setup: async () => {
      await setupWasm(2);
      return null;
    },
  },
  {
    // the reference kernels behind reads that only resolve later: the engine's asynchronous
    // path (what a GPU needs) checked on every machine, bit-identical to ref
    name: 'async-ref',
    setup: async () => {
      if (!listBackends().includes('async-ref')) registerAsyncTestBackend('async-ref');
      return null;
    },
  },
  {
    // GPU.js on WebGPU in Node: Dawn (the webgpu package) on Chromium's SwiftShader Vulkan driver
    name: 'gpu',
    setup: async () => {
      const reason = gpuSkipReason();
      if (reason) return reason;
      const be = await setupGpu();
      if (be.rt.kernelClass !== 'WebGPUKernel') throw new Error(`gpu backend runs ${be.rt.kernelClass}, not WebGPUKernel`);
      return null;
    },
    gpuWork: async () => {
      const be = await setupGpu();
      await be.flush();
      return { dispatches: be.rt.dispatches, kernelClass: be.rt.kernelClass };
    },
  },
];
