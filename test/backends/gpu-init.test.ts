// Starting the gpu backend without a GPU: what is missing is named with its fix, and GPU.js's
// CPU fallback is refused (at start and when a kernel is swapped for it mid-run), never
// registered as 'gpu'. Needs no GPU (fakes of GPU.js stand in), so it runs everywhere.

import { createRequire } from 'node:module';
import { describe, expect, it, vi } from 'vitest';
import { initGpuBackend } from '../../src/backends/gpu/index.js';
import { listBackends } from '../../src/backends/registry.js';

// The optional packages are absent for this file's dynamic imports.
vi.mock('gpu.js', () => {
  throw new Error("Cannot find package 'gpu.js' imported from src/backends/gpu/index.ts");
});
vi.mock('webgpu', () => {
  throw new Error("Cannot find package 'webgpu' imported from src/backends/gpu/node-webgpu.ts");
});

/** A stand-in for GPU.js: its instance reports `instanceClass`, its kernels `kernelClass`. */
function fakeGpuJs(instanceClass: { name: string; mode: string }, kernelClass: { name: string; mode: string }) {
  class GPU {
    readonly Kernel = instanceClass;
    createKernel() {
      const run = (...args: unknown[]) => {
        const values = Float32Array.from(args[0] as ArrayLike<number>);
        return { toArray: () => values, delete: () => undefined };
      };
      return Object.assign(run, { kernel: { constructor: kernelClass } });
    }
    destroy() {}
  }
  return { GPU };
}

describe('starting the gpu backend', () => {
  it('says what to install when gpu.js is missing', async () => {
    await expect(initGpuBackend({ mode: 'webgl2' })).rejects.toThrow(/GPU\.js is not installed .*npm install gpu\.js webgpu/);
  });

  it("says what to install when Node has no WebGPU (the webgpu package is missing)", async () => {
    const lib = fakeGpuJs({ name: 'WebGPUKernel', mode: 'webgpu' }, { name: 'WebGPUKernel', mode: 'webgpu' });
    await expect(initGpuBackend({ mode: 'webgpu', gpujs: lib })).rejects.toThrow(/the 'webgpu' package \(Dawn for Node\) did not load: .*npm install gpu\.js webgpu/);
  });

  it('rejects a mode that is not a GPU', async () => {
    await expect(initGpuBackend({ mode: 'cpu' as never })).rejects.toThrow("gpu backend: mode 'cpu' is not a GPU mode (use webgpu, webgl2, webgl, headlessgl)");
  });

  it('rejects something that is not GPU.js', async () => {
    await expect(initGpuBackend({ mode: 'webgl2', gpujs: { GPU: 42 } })).rejects.toThrow('the gpujs option is not the GPU.js module');
  });

  it("names the mode GPU.js cannot run (the real GPU.js: no WebGL in Node)", async () => {
    const real = createRequire(import.meta.url)('gpu.js');
    await expect(initGpuBackend({ mode: 'webgl2', gpujs: real })).rejects.toThrow(/GPU\.js cannot run mode 'webgl2' here: A requested mode of "webgl2" and is not supported/);
  });

  it("refuses GPU.js's CPU kernels at start", async () => {
    const cpu = { name: 'CPUKernel', mode: 'cpu' };
    await expect(initGpuBackend({ mode: 'webgl2', gpujs: fakeGpuJs(cpu, cpu) })).rejects.toThrow(/put the GPU instance on CPUKernel \(mode 'cpu'\) instead of WebGL2Kernel; refusing a fallback/);
    expect(listBackends()).not.toContain('gpu');
  });

  it('refuses a kernel that fell back to the CPU while running, and registers nothing', async () => {
    const lib = fakeGpuJs({ name: 'WebGL2Kernel', mode: 'webgl2' }, { name: 'CPUKernel', mode: 'cpu' });
    await expect(initGpuBackend({ mode: 'webgl2', gpujs: lib })).rejects.toThrow(/put a kernel on CPUKernel \(mode 'cpu'\) instead of WebGL2Kernel/);
    expect(listBackends()).not.toContain('gpu');
  });
});
