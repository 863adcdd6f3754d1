// The gpu backend's size limit: GPU.js kernels index in float32 (exact up to 2^24), so a tensor
// of more than 2^24 elements is refused with an error naming the op and the shape, before any
// GPU work and leaving nothing allocated, rather than computed with wrong indices; a tensor of
// exactly 2^24 elements is computed exactly. (WebGPU's own limit, 128 MiB per storage buffer
// binding by default, is 2^25 float32 values: the 2^24 bound comes first.)

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuBackend } from '../../src/backends/gpu/index.js';
import { MAX_ELEMENTS } from '../../src/backends/gpu/runtime.js';
import { expand, setBackend, tensor } from '../../src/tensor/index.js';
import { gpuSkipReason, setupGpu } from './gpu-support.js';

const reason = gpuSkipReason();

describe.skipIf(reason)(`gpu backend size limit${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let be: GpuBackend;
  beforeAll(async () => {
    be = await setupGpu();
    setBackend('gpu');
  });
  afterAll(() => setBackend('ref'));

  it('an op whose output exceeds 2^24 elements: an error naming the op and the shape, nothing left allocated', async () => {
    expect(MAX_ELEMENTS).toBe(2 ** 24);
    const x = tensor(Float32Array.from({ length: 4096 }, (_, i) => i), [1, 4096]);
    expect(x.backend).toBe('gpu');
    await be.flush(); // x's upload has run
    const live = be.stats().liveBuffers;
    const dispatches = be.rt.dispatches;
    expect(() => expand(x, [4097, 4096])).toThrow(/^expand: cannot hold a \[4097, 4096\] tensor on backend 'gpu': .*16781312 elements exceeds 16777216 \(2\^24\)/);
    expect(be.stats().liveBuffers).toBe(live);
    await be.flush();
    expect(be.rt.dispatches).toBe(dispatches);
    x.dispose();
  });

  it('host data over 2^24 elements: refused naming the shape', () => {
    expect(() => tensor(new Float32Array(2 ** 24 + 1), [2 ** 24 + 1], { backend: 'gpu' })).toThrow(/^cannot hold a \[16777217\] tensor on backend 'gpu': /);
  });

  it('exactly 2^24 elements: every index exact', async () => {
    const x = tensor(Float32Array.from({ length: 4096 }, (_, i) => i), [1, 4096]);
    const y = expand(x, [4096, 4096]);
    const v = (await y.data()) as Float32Array;
    let wrong = 0;
    for (let k = 0; k < v.length; k++) if (v[k] !== k % 4096) wrong++;
    expect(wrong).toBe(0);
    expect(be.rt.kernelClass).toBe('WebGPUKernel');
    for (const t of [x, y]) t.dispose();
  });
});
