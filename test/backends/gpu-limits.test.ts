// The gpu backend's size limit. Kernels index in 32-bit integers (codegen.ts), so indices are
// exact up to INDEX_LIMIT (2^31 - 1); what remains is the device's own limit on one result: a
// WebGPU storage buffer (GPU.js asks the adapter for its largest maxStorageBufferBindingSize and
// maxBufferSize; SwiftShader gives 1 GiB, 2^28 float32 values) or a WebGL texture. A tensor over
// it is refused with an error naming the op, the shape and that limit, before any GPU work and
// leaving nothing allocated, rather than failing inside GPU.js or computing garbage.

import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuBackend } from '../../src/backends/gpu/index.js';
import { deviceLimit, INDEX_LIMIT } from '../../src/backends/gpu/runtime.js';
import { getKernel } from '../../src/backends/registry.js';
import { expand, setBackend, tensor } from '../../src/tensor/index.js';
import { gpuSkipReason, setupGpu } from './gpu-support.js';

const reason = gpuSkipReason();

describe('deviceLimit: what one result may hold, by mode', () => {
  it('webgpu: the smaller of the binding and buffer sizes, in float32 values', () => {
    const ctx = { device: { limits: { maxStorageBufferBindingSize: 2 ** 30, maxBufferSize: 2 ** 32 } } };
    expect(deviceLimit('webgpu', ctx)).toEqual({ elements: 2 ** 28, reason: expect.stringMatching(/one WebGPU storage buffer of this device holds \(1073741824 bytes: maxStorageBufferBindingSize/) });
    expect(deviceLimit('webgpu', { device: {} })).toBeNull();
  });

  it('webgl2: (MAX_TEXTURE_SIZE - 2)^2 values, a length whose near-square texture GPU.js always fits', () => {
    const gl = (side: number) => ({ MAX_TEXTURE_SIZE: 0x0d33, getParameter: (p: number) => (p === 0x0d33 ? side : 0) });
    expect(deviceLimit('webgl2', gl(8192))?.elements).toBe(8190 ** 2);
    // the claim, against GPU.js's own texture size for a 1-D output, for every length up to the
    // bound of small sides (the same arithmetic as at 8192 or 16384)
    const { utils } = createRequire(import.meta.url)('gpu.js') as { utils: { closestSquareDimensions(n: number): Int32Array } };
    for (const side of [16, 61, 100, 257]) {
      const limit = deviceLimit('webgl2', gl(side))!.elements;
      for (let n = 1; n <= limit; n++) {
        const [w, h] = utils.closestSquareDimensions(n);
        if (w > side || h > side) expect.fail(`${n} values: a ${w}x${h} texture, over ${side}`);
      }
    }
  });
});

describe.skipIf(reason)(`gpu backend size limit${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let be: GpuBackend;
  beforeAll(async () => {
    be = await setupGpu();
    setBackend('gpu');
  });
  afterAll(() => setBackend('ref'));

  it("is the device's buffer limit (learnt from the warm-up kernel), above 2^24 and within 32-bit indices", () => {
    expect(be.maxElements).toBe(be.rt.maxElements);
    expect(be.maxElements).toBeGreaterThan(2 ** 24);
    expect(be.maxElements).toBeLessThanOrEqual(INDEX_LIMIT);
    expect(be.rt.limitReason).toMatch(/maxStorageBufferBindingSize/);
  });

  it('an op whose output exceeds the limit: an error naming the op, the shape and the limit, nothing left allocated', async () => {
    const x = tensor(Float32Array.from({ length: 4096 }, (_, i) => i), [1, 4096]);
    expect(x.backend).toBe('gpu');
    await be.flush(); // x's upload has run
    const live = be.stats().liveBuffers;
    const dispatches = be.rt.dispatches;
    const rows = Math.floor(be.maxElements / 4096) + 1;
    const msg = new RegExp(`^expand: cannot hold a \\[${rows}, 4096\\] tensor on backend 'gpu': gpu backend: a tensor of ${rows * 4096} elements exceeds ${be.maxElements}, the float32 values one WebGPU storage buffer`);
    expect(() => expand(x, [rows, 4096])).toThrow(msg);
    expect(be.stats().liveBuffers).toBe(live);
    await be.flush();
    expect(be.rt.dispatches).toBe(dispatches);
    x.dispose();
  });

  it('positions passed between kernels are float32 values: extremumMask and maxPool2dGrad refuse more than 2^24 of them, before any work', () => {
    // the kernels read only shapes and sizes before they refuse, so no tensor that large is made
    const fake = (shape: number[]) => ({ buf: { size: shape.reduce((p, d) => p * d, 1), dtype: 'float32' as const }, shape, dtype: 'float32' as const });
    const dispatches = be.rt.dispatches;
    const big = fake([2, 2 ** 24 + 1]);
    expect(() => getKernel('gpu', 'extremumMask')!([big], [big], { axes: [1], kind: 'max' })).toThrow(/^gpu extremumMask: groups of 16777217 elements exceed 2\^24, the most whose positions a float32 result holds exactly$/);
    const pool = { kernel: [2, 2], stride: [2, 2], padding: [0, 0] };
    expect(() => getKernel('gpu', 'maxPool2dGrad')!([fake([1, 1, 4098, 4098]), fake([1, 1, 2049, 2049])], [fake([1, 1, 4098, 4098])], pool)).toThrow(
      /^gpu maxPool2dGrad: planes of 4098x4098 exceed 2\^24 elements/,
    );
    expect(be.rt.dispatches).toBe(dispatches);
  });
});
