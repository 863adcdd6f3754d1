// Training steps and reverse sampling on the gpu backend (WebGPU on SwiftShader in Node), the
// engine's asynchronous path on a real GPU.js backend: each training step reads back once (loss
// and gradient norm together), each reverse step once, counted on the backend; the numbers match
// the wasm backend within the bounds written below.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuBackend } from '../../src/backends/gpu/index.js';
import { Adam } from '../../src/nn/adam.js';
import { DualDomainUNet } from '../../src/resshift/model.js';
import { sample } from '../../src/resshift/sampler.js';
import { etaSchedule } from '../../src/resshift/schedule.js';
import { trainStep, type StepResult } from '../../src/resshift/train-step.js';
import { TRAIN_DEFAULTS } from '../../src/resshift/trainer.js';
import { Rng, setBackend, tensor } from '../../src/tensor/index.js';
import { gpuSkipReason, setupGpu } from './gpu-support.js';
import { setupWasm } from './wasm-support.js';

const reason = gpuSkipReason();
const STEPS = 3;
const crop = 16;

/** One fixed batch per step, from seeded streams. */
function batches() {
  const size = 2 * 3 * crop * crop;
  return Array.from({ length: STEPS }, (_, k) => {
    const rng = new Rng(20 + k);
    return {
      size: 2,
      crop,
      x0: rng.fillUniform(new Float32Array(size), -1, 1),
      y0: rng.fillUniform(new Float32Array(size), -1, 1),
      noise: rng.fillNormal(new Float32Array(size)),
      t: [1 + 4 * k, 14 - 3 * k],
      names: ['a', 'b'],
    };
  });
}

describe.skipIf(reason)(`training and sampling on the gpu backend${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let be: GpuBackend;
  beforeAll(async () => {
    await setupWasm(2);
    be = await setupGpu();
  }, 60_000);
  afterAll(() => setBackend('ref'));

  async function train(backend: string) {
    setBackend(backend);
    const model = new DualDomainUNet({ baseChannels: 4 }, { rng: new Rng(3) });
    const opt = new Adam(model.parameters(), { lr: 1e-3 });
    const settings = { schedule: etaSchedule(TRAIN_DEFAULTS.diffusion), kappa: TRAIN_DEFAULTS.diffusion.kappa, lr: 1e-3, clip: 1 };
    const results: StepResult[] = [];
    const reads: number[] = [];
    for (const b of batches()) {
      const before = be.reads;
      results.push(await trainStep(model, opt, b, settings));
      reads.push(be.reads - before);
    }
    const params = await Promise.all(model.parameters().map((p) => p.data() as Promise<Float32Array>));
    const onBackend = model.parameters().every((p) => p.backend === backend);
    model.dispose();
    opt.dispose();
    return { results, reads, params, onBackend };
  }

  it(`${STEPS} training steps: one read each, and the losses, gradient norms and parameters of wasm`, async () => {
    const wasm = await train('wasm');
    const dispatches = be.rt.dispatches;
    const gpu = await train('gpu');
    expect(gpu.onBackend).toBe(true);
    expect(be.rt.dispatches).toBeGreaterThan(dispatches);
    expect(be.rt.kernelClass).toBe('WebGPUKernel');
    await be.flush();
    expect(gpu.reads).toEqual(new Array(STEPS).fill(1));
    for (let k = 0; k < STEPS; k++) {
      const [g, w] = [gpu.results[k], wasm.results[k]];
      if (!g.ok || !w.ok) throw new Error(`step ${k}: not finite`);
      // Both compute in float32 with different summation orders (GPU: one dot product per
      // thread; wasm: blocked, Winograd for 3x3); the golden whole-model case bounds gradients
      // at 1e-3 of each tensor's largest value. The loss is a mean of ~3000 terms, each a few
      // products deep: 1e-5 relative is ~100 float32 ulps. The gradient norm sums squares of
      // gradients known to 1e-3 relative: 1e-3.
      expect(Math.abs(g.loss - w.loss), `step ${k} loss ${g.loss} vs ${w.loss}`).toBeLessThanOrEqual(1e-5 * Math.abs(w.loss));
      expect(Math.abs(g.gradNorm - w.gradNorm), `step ${k} gradient norm ${g.gradNorm} vs ${w.gradNorm}`).toBeLessThanOrEqual(1e-3 * w.gradNorm);
    }
    // Adam moves a parameter by about lr per step whatever the gradient's size, so where a
    // gradient component is near zero its sign may differ between backends: a parameter can
    // differ by up to 2 lr per step. Everywhere else the updates agree; so the bound is on the
    // share of parameters more than 1e-5 apart (rounding of the update, ~1e-3 relative of lr,
    // stays far below) - a wrong kernel moves most of them.
    let far = 0, total = 0, worst = 0;
    gpu.params.forEach((p, i) => {
      for (let j = 0; j < p.length; j++) {
        const d = Math.abs(p[j] - wasm.params[i][j]);
        worst = Math.max(worst, d);
        if (d > 1e-5) far++;
      }
      total += p.length;
    });
    expect(worst, 'no parameter moves more than 2 lr per step away').toBeLessThanOrEqual(2 * 1e-3 * STEPS);
    expect(far / total, `${far} of ${total} parameters more than 1e-5 apart`).toBeLessThanOrEqual(0.01);
  });

  it('reverse sampling: one read per reverse step, and the result of wasm', async () => {
    const run = async (backend: string) => {
      setBackend(backend);
      const model = new DualDomainUNet({ baseChannels: 4 }, { rng: new Rng(3) });
      const y0 = tensor(new Rng(4).fillUniform(new Float32Array(3 * 16 * 16), -1, 1), [1, 3, 16, 16]);
      const before = be.reads;
      const x = await sample(model, y0, { schedule: etaSchedule(), kappa: 2, seed: 7 });
      const reads = be.reads - before;
      const v = (await x.data()) as Float32Array;
      for (const t of [x, y0]) t.dispose();
      model.dispose();
      return { v, reads };
    };
    const wasm = await run('wasm');
    const gpu = await run('gpu');
    expect(be.rt.kernelClass).toBe('WebGPUKernel');
    expect(gpu.reads).toBe(etaSchedule().T); // 15 reverse steps, one read each
    // 15 reverse steps of the UNet in float32, each within ~1e-5 relative of the other backend
    // (golden single-op bounds), each step adding a residual of size ~1: 1e-4 absolute on
    // values of size ~1
    let worst = 0;
    for (let i = 0; i < gpu.v.length; i++) worst = Math.max(worst, Math.abs(gpu.v[i] - wasm.v[i]));
    expect(worst).toBeLessThanOrEqual(1e-4);
  });
});
