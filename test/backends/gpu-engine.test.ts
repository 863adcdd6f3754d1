// The gpu backend through the engine: setBackend('gpu'), a small conv -> relu -> sum forward
// and backward run entirely on the GPU (no copies between backends), read with `await
// t.data()`, and compared with the same computation on 'ref' under the backend's tolerances;
// then the same in Deno (needs npm run build), whose WebGPU GPU.js uses directly.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GpuBackend, initGpuBackend } from '../../src/backends/gpu/index.js';
import { sumFactor } from '../../src/backends/gpu/tolerance.js';
import {
  abs,
  affine,
  backward,
  compareScalar,
  conv2d,
  conv2dGradInput,
  conv2dGradWeight,
  noGrad,
  relu,
  Rng,
  scope,
  setBackend,
  sum,
  tensor,
  transferCount,
  type Tensor,
} from '../../src/tensor/index.js';
import { expectWithin, gpuSkipReason, randomInput, setupGpu } from './gpu-support.js';

const reason = gpuSkipReason();
const DENO = 'node_modules/.bin/deno';
const denoReady = existsSync(DENO) && existsSync('dist/backends/gpu/index.js');

const xs = [2, 3, 9, 10], ws = [4, 3, 3, 3];
const attrs = { stride: [2, 2] as [number, number], padding: [1, 1] as [number, number] };

interface Run {
  loss: Float32Array;
  gx: Float32Array;
  gw: Float32Array;
  gb: Float32Array;
}

/** loss = sum(relu(conv2d(x, w, b))) and its gradients, on the current default backend. */
async function run(x0: Float32Array, w0: Float32Array, b0: Float32Array): Promise<Run & { backends: string[] }> {
  const held: Tensor[] = [];
  const out = scope(() => {
    const x = tensor(x0, xs, { requiresGrad: true });
    const w = tensor(w0, ws, { requiresGrad: true });
    const b = tensor(b0, [4], { requiresGrad: true });
    const loss = sum(relu(conv2d(x, w, b, attrs)));
    backward(loss);
    held.push(x, w, b);
    return { loss, x, w, b };
  });
  const r = {
    loss: (await out.loss.data()) as Float32Array,
    gx: (await out.x.grad!.data()) as Float32Array,
    gw: (await out.w.grad!.data()) as Float32Array,
    gb: (await out.b.grad!.data()) as Float32Array,
    backends: [out.loss, out.x.grad!, out.w.grad!, out.b.grad!].map((t) => t.backend),
  };
  for (const t of [out.loss, ...held]) t.dispose();
  return r;
}

describe.skipIf(reason)(`gpu backend through the engine${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let be: GpuBackend;
  beforeAll(async () => {
    be = await setupGpu();
  });
  afterAll(() => setBackend('ref'));

  it('starts once: calling again gives the same backend, and another mode is refused', async () => {
    expect(await Promise.all([initGpuBackend({ mode: 'webgpu' }), initGpuBackend()])).toEqual([be, be]);
    await expect(initGpuBackend({ mode: 'webgl2' })).rejects.toThrow("gpu backend: already running mode 'webgpu', cannot switch to 'webgl2'");
  });

  it('conv -> relu -> sum: forward and backward on the GPU match ref', async () => {
    const rng = new Rng(41);
    const x = randomInput(rng, xs), w = randomInput(rng, ws), b = randomInput(rng, [4]);

    setBackend('ref');
    const ref = await run(x, w, b);

    setBackend('gpu');
    const live = be.stats().liveBuffers;
    const copies = transferCount();
    const gpu = await run(x, w, b);
    expect(gpu.backends).toEqual(['gpu', 'gpu', 'gpu', 'gpu']);
    expect(transferCount()).toBe(copies); // nothing went through another backend
    expect(be.stats().liveBuffers).toBe(live); // every intermediate was freed
    expect(be.rt.kernelClass).toBe('WebGPUKernel');
    await be.flush(); // no step failed unnoticed
    expectMatches(gpu, ref, x, w, b);
  });

  it.skipIf(!denoReady)('the same in Deno, on its own WebGPU (from the built package)', async () => {
    const out = execFileSync(DENO, ['run', '--allow-read', '--allow-env', '--no-prompt', 'test/backends/gpu-deno-smoke.mjs'], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
    });
    const got = JSON.parse(out.trim().split('\n').pop()!) as Record<string, number[] | string>;
    expect(got.described).toMatch(/^webgpu \(GPU\.js WebGPUKernel/);
    expect(got.kernelClass).toBe('WebGPUKernel');
    const rng = new Rng(41);
    const x = randomInput(rng, xs), w = randomInput(rng, ws), b = randomInput(rng, [4]);
    setBackend('ref');
    const ref = await run(x, w, b);
    const f = (k: string) => Float32Array.from(got[k] as number[]);
    expectMatches({ loss: f('loss'), gx: f('gx'), gw: f('gw'), gb: f('gb') }, ref, x, w, b);
  });
});

/**
 * Error bounds from the tolerance table, with M computed on ref from |x|, |w| and the relu mask
 * (the upstream gradient): conv2d's n = C*9 + 1, the gradients' as in the table.
 */
function expectMatches(gpu: Run, ref: Run, x: Float32Array, w: Float32Array, b: Float32Array): void {
  setBackend('ref');
  const M = noGrad(() =>
    scope(() => {
      const xa = tensor(x.map(Math.abs), xs), wa = tensor(w.map(Math.abs), ws), ba = tensor(b.map(Math.abs), [4]);
      const y = conv2d(tensor(x, xs), tensor(w, ws), tensor(b, [4]), attrs);
      const mask = compareScalar(y, 'gt', 0);
      const yMag = conv2d(xa, wa, ba, attrs);
      const yErr = affine(yMag, sumFactor(3 * 9 + 1, 1));
      return {
        // the loss adds |relu(y)| and carries each y's own error
        loss: sum(abs(relu(y))).dataSync()[0] * sumFactor(yMag.size, 1) + sum(yErr).dataSync()[0],
        gx: conv2dGradInput(mask, wa, attrs, xs as [number, number, number, number]).dataSync(),
        gw: conv2dGradWeight(xa, mask, attrs, [3, 3]).dataSync(),
      };
    }),
  );
  const n = 2 * 5 * 5; // N * Ho * Wo
  expectWithin(gpu.loss, ref.loss, () => M.loss, 'loss');
  expectWithin(gpu.gx, ref.gx, (i) => sumFactor(4 * 9, 1) * M.gx[i], 'x.grad');
  expectWithin(gpu.gw, ref.gw, (i) => sumFactor(n, 1) * M.gw[i], 'w.grad');
  // the bias gradient counts positive outputs: sums of ones, exact
  expect(gpu.gb).toEqual(ref.gb);
}
