import { afterEach, describe, expect, test } from 'vitest';
import { getBackendPreference, listBackends } from '../../src/backends/registry.js';
import { Adam } from '../../src/nn/adam.js';
import { DualDomainUNet } from '../../src/resshift/model.js';
import { sample } from '../../src/resshift/sampler.js';
import { etaSchedule } from '../../src/resshift/schedule.js';
import { trainStep } from '../../src/resshift/train-step.js';
import { TRAIN_DEFAULTS } from '../../src/resshift/trainer.js';
import {
  add,
  defaultBackendName,
  matmul,
  releaseBackend,
  Rng,
  scope,
  setBackend,
  SMALL_HOST_ELEMENTS,
  sum,
  tensor,
  toBackend,
  toBackendAsync,
  transferCount,
} from '../../src/tensor/index.js';
import { registerAsyncTestBackend } from '../support/async-backend.js';

let n = 0;
const fresh = () => registerAsyncTestBackend(`async-ref-${++n}`);

afterEach(() => {
  for (const b of listBackends()) if (b.startsWith('async-ref-')) void releaseBackend(b);
  setBackend('ref');
});

describe('an asynchronous backend (reads only by await)', () => {
  test('an input on it pins the op there, even when a larger input lives on ref; small inputs are uploaded', async () => {
    const b = fresh();
    const big = tensor(new Float32Array(1000).fill(1), [10, 100], { backend: 'ref' });
    const small = tensor(new Float32Array(100).fill(2), [100, 1], { backend: b.name });
    const before = transferCount();
    const y = matmul(big, small);
    expect(y.backend).toBe(b.name);
    expect(transferCount() - before).toBe(1); // big went up; nothing came down
    expect(Array.from(await y.data())).toEqual(new Array(10).fill(200));
    expect(() => y.dataSync()).toThrow(/asynchronous/);
    for (const t of [big, small, y]) t.dispose();
  });

  test('moving off it is explicit and awaited', async () => {
    const b = fresh();
    const x = tensor([1, 2, 3], [3], { backend: b.name });
    expect(() => toBackend(x, 'ref')).toThrow(/toBackendAsync/);
    const reads = b.reads;
    const onRef = await toBackendAsync(x, 'ref');
    expect(b.reads - reads).toBe(1);
    expect(Array.from(onRef.dataSync())).toEqual([1, 2, 3]);
    x.dispose();
    onRef.dispose();
  });

  test('small host data (a timestep, a scalar) is created on a synchronous backend; parameters and large data on the default', () => {
    const b = fresh();
    setBackend(b.name);
    const t = tensor(new Float32Array(SMALL_HOST_ELEMENTS), [SMALL_HOST_ELEMENTS]);
    const big = tensor(new Float32Array(SMALL_HOST_ELEMENTS + 1), [SMALL_HOST_ELEMENTS + 1]);
    expect(t.backend).toBe('ref');
    expect(big.backend).toBe(b.name);
    // a scalar op on ref stays there and can be read at once
    const s = scope(() => sum(add(t, t)));
    expect(s.backend).toBe('ref');
    expect(s.item()).toBe(0);
    const model = new DualDomainUNet({ baseChannels: 2 }, { rng: new Rng(1) });
    expect(model.parameters().every((p) => p.backend === b.name)).toBe(true); // the 3-element output bias included
    model.dispose();
    for (const x of [t, big, s]) x.dispose();
  });

  test('a training step runs on it with exactly one read, and matches ref', async () => {
    const b = fresh();
    const crop = 16;
    const rng = new Rng(2);
    const size = 2 * 3 * crop * crop;
    const batch = {
      size: 2,
      crop,
      x0: rng.fillUniform(new Float32Array(size), -1, 1),
      y0: rng.fillUniform(new Float32Array(size), -1, 1),
      noise: rng.fillNormal(new Float32Array(size)),
      t: [3, 11],
      names: ['a', 'b'],
    };
    const settings = { schedule: etaSchedule(TRAIN_DEFAULTS.diffusion), kappa: TRAIN_DEFAULTS.diffusion.kappa, lr: 1e-3, clip: 1 };
    const run = async (backend: string) => {
      setBackend(backend);
      const model = new DualDomainUNet({ baseChannels: 4 }, { rng: new Rng(3) });
      const opt = new Adam(model.parameters(), { lr: 1e-3 });
      const reads = b.reads;
      const r = await trainStep(model, opt, batch, settings);
      const readsInStep = b.reads - reads;
      const params = await Promise.all(model.parameters().map((p) => p.data()));
      model.dispose();
      opt.dispose();
      return { r, readsInStep, params };
    };
    const onRef = await run('ref');
    const onAsync = await run(b.name);
    expect(onAsync.readsInStep).toBe(1);
    // the same kernels on both: the same bits
    expect(onAsync.r).toEqual(onRef.r);
    onAsync.params.forEach((p, i) => expect(Buffer.from(p.buffer).equals(Buffer.from(onRef.params[i].buffer))).toBe(true));
  });

  test('sampling runs on it, one read per reverse step, bit-identical to ref', async () => {
    const b = fresh();
    const run = async (backend: string) => {
      setBackend(backend);
      const model = new DualDomainUNet({ baseChannels: 4 }, { rng: new Rng(3) });
      const y0 = tensor(new Rng(4).fillUniform(new Float32Array(3 * 16 * 16), -1, 1), [1, 3, 16, 16]);
      const reads = b.reads;
      const x = await sample(model, y0, { schedule: etaSchedule(), kappa: 2, seed: 7 });
      const readsInSampling = b.reads - reads;
      const v = await x.data();
      for (const t of [x, y0]) t.dispose();
      model.dispose();
      return { v, readsInSampling };
    };
    const onRef = await run('ref');
    const onAsync = await run(b.name);
    expect(onAsync.readsInSampling).toBe(15);
    expect(Buffer.from(onAsync.v.buffer).equals(Buffer.from(onRef.v.buffer))).toBe(true);
  });

  test('releaseBackend disposes the device and leaves ref in charge', async () => {
    const b = fresh();
    setBackend(b.name);
    expect(defaultBackendName()).toBe(b.name);
    await releaseBackend(b.name);
    expect(b.disposed).toBe(true);
    expect(listBackends()).not.toContain(b.name);
    expect(getBackendPreference()).toEqual(['ref']);
    expect(defaultBackendName()).toBe('ref');
    await expect(releaseBackend('ref')).rejects.toThrow(/fallback/);
  });
});
