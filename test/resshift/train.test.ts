import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCheckpointFile } from '../../src/resshift/checkpoint-files.js';
import { ImageSet } from '../../src/resshift/data.js';
import { Trainer, TrainConfigError, type TrainConfig, type TrainEvent, type TrainResult } from '../../src/resshift/trainer.js';
import { tempDir, tensorBytes, tinyConfig, writeImages } from './train-fixtures.js';

const tmp = tempDir('train');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const data = writeImages(join(tmp, 'data'));

async function train(out: string, config: TrainConfig, o: { stopAt?: number; resume?: string; set?: ImageSet } = {}): Promise<{ result: TrainResult; events: TrainEvent[] }> {
  const set = o.set ?? (await ImageSet.load(data, { crop: config.crop }));
  const resume = o.resume ? { path: o.resume, checkpoint: await readCheckpointFile(o.resume) } : null;
  const trainer = await Trainer.create({ config, train: set, out, resume });
  const stop = new AbortController();
  const events: TrainEvent[] = [];
  try {
    const result = await trainer.run({
      signal: stop.signal,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'step' && e.step === o.stopAt) stop.abort();
      },
    });
    return { result, events };
  } finally {
    trainer.dispose();
  }
}

const files = (dir: string) => readdirSync(dir).filter((n) => !n.startsWith('.')).sort();

describe('Trainer', () => {
  const config = tinyConfig(); // 4 images, batch 2: 2 steps per epoch, 4 in all

  it('is bit-identical from the same seed, and an interrupted + resumed run matches an uninterrupted one', async () => {
    const a = await train(join(tmp, 'a'), config);
    expect(a.result).toMatchObject({ status: 'done', epoch: 2, step: 4 });
    const b = await train(join(tmp, 'b'), config);
    expect(files(join(tmp, 'b'))).toEqual(['resshift_epoch_1.optim.safetensors', 'resshift_epoch_1.safetensors', 'resshift_epoch_2.optim.safetensors', 'resshift_epoch_2.safetensors']);
    // the same files but for the session's run id, shared by a checkpoint's two files
    for (const f of files(join(tmp, 'a'))) {
      const [x, y] = [tensorBytes(join(tmp, 'a', f)), tensorBytes(join(tmp, 'b', f))];
      for (const [n, bytes] of x.tensors) expect(y.tensors.get(n)?.equals(bytes), `${f} ${n}`).toBe(true);
      expect(y.metadata, f).toEqual(x.metadata);
      expect(x.runId).toBe(tensorBytes(join(tmp, 'a', 'resshift_epoch_1.safetensors')).runId);
      expect(y.runId).not.toBe(x.runId);
    }

    // stop mid-epoch 1, then (across an epoch end) mid-epoch 2, then finish
    const out = join(tmp, 'c');
    const c1 = await train(out, config, { stopAt: 1 });
    expect(c1.result).toMatchObject({ status: 'interrupted', epoch: 0, step: 1, checkpoint: join(out, 'resshift_epoch_0_step_1.safetensors') });
    const c2 = await train(out, config, { stopAt: 3, resume: c1.result.checkpoint! });
    expect(c2.result).toMatchObject({ status: 'interrupted', epoch: 1, step: 3, checkpoint: join(out, 'resshift_epoch_1_step_3.safetensors') });
    const c3 = await train(out, config, { resume: c2.result.checkpoint! });
    expect(c3.result).toMatchObject({ status: 'done', step: 4 });
    const losses = (r: { events: TrainEvent[] }[]) => r.flatMap((x) => x.events.filter((e) => e.type === 'step').map((e) => (e as { loss: number }).loss));
    expect(losses([c1, c2, c3])).toEqual(losses([a]));
    for (const f of ['resshift_epoch_2.safetensors', 'resshift_epoch_2.optim.safetensors']) {
      const [x, y] = [tensorBytes(join(tmp, 'a', f)), tensorBytes(join(out, f))];
      expect([...y.tensors.keys()]).toEqual([...x.tensors.keys()]);
      for (const [n, bytes] of x.tensors) expect(y.tensors.get(n)!.equals(bytes), n).toBe(true);
      expect(y.metadata).toEqual(x.metadata);
    }
  });

  it('stops on a NaN loss naming the step, keeps the last good checkpoint and leaves no newer one', async () => {
    const out = join(tmp, 'nan');
    const set = await ImageSet.load(data, { crop: 16 });
    const trainer = await Trainer.create({ config, train: set, out, mapBatch: (b, step) => step === 3 && b.x0.fill(Number.NaN, 0, 3) });
    const r = await trainer.run();
    expect(r).toMatchObject({ status: 'diverged', step: 2, checkpoint: join(out, 'resshift_epoch_1.safetensors') });
    expect(r.message).toMatch(/^loss is NaN at step 3 \(epoch 2, batch 1: im\d\.png, im\d\.png\); stopped, last good checkpoint .*resshift_epoch_1\.safetensors$/);
    expect(files(out)).toEqual(['resshift_epoch_1.optim.safetensors', 'resshift_epoch_1.safetensors']);
    // the bad step changed nothing: the model is still the checkpoint's
    expect(trainer.optimizer.step).toBe(2);
    const saved = tensorBytes(join(out, 'resshift_epoch_1.safetensors')).tensors;
    for (const [n, t] of trainer.model.stateDict()) expect(Buffer.from(t.dataSync().buffer).equals(saved.get(n)!), n).toBe(true);
    trainer.dispose();
  });

  it('evaluates on validation centre crops without changing the training run', async () => {
    const valid = await ImageSet.load(writeImages(join(tmp, 'valid'), [[20, 24], [16, 16]], 4), { crop: 16, centreOnly: true });
    const set = await ImageSet.load(data, { crop: 16 });
    const out = join(tmp, 'eval');
    const trainer = await Trainer.create({ config: tinyConfig({ epochs: 2, steps: 2, evalEvery: 1 }), train: set, valid, out });
    const events: TrainEvent[] = [];
    await trainer.run({ onEvent: (e) => events.push(e) });
    trainer.dispose();
    const ev = events.find((e) => e.type === 'eval');
    expect(ev?.type === 'eval' && ev.result.images.map((m) => m.name)).toEqual(['im0.png', 'im1.png']);
    if (ev?.type === 'eval') expect(Number.isFinite(ev.result.mean.sr.psnr) && Number.isFinite(ev.result.mean.bicubic.psnr)).toBe(true);
    const [x, y] = [tensorBytes(join(tmp, 'a', 'resshift_epoch_1.safetensors')), tensorBytes(join(out, 'resshift_epoch_1.safetensors'))];
    for (const [n, bytes] of x.tensors) expect(y.tensors.get(n)!.equals(bytes), n).toBe(true);
  });

  it('refuses to resume with different settings or from a model-only file', async () => {
    const path = join(tmp, 'a', 'resshift_epoch_1.safetensors');
    await expect(train(join(tmp, 'x'), { ...config, crop: 24 }, { resume: path })).rejects.toThrow(/settings differ from the run being resumed: crop 24 \(checkpoint: 16\)/);
  });

  it('refuses diffusion settings out of bounds before the first step', async () => {
    const set = await ImageSet.load(data, { crop: 16 });
    for (const [over, msg] of [[{ kappa: 1e30 }, 'diffusion.kappa must be in (0, 100], got 1e+30'], [{ T: 1e9 }, 'diffusion.T must be an integer in 2..10000, got 1000000000']] as const) {
      const bad = tinyConfig({ diffusion: { ...config.diffusion, ...over } });
      const err = await Trainer.create({ config: bad, train: set, out: join(tmp, 'never') }).catch((e) => e);
      expect(err).toBeInstanceOf(TrainConfigError);
      expect(err.message).toBe(msg);
    }
  });

  it('lowers the loss on a learnable toy task (flat colours: the residual is zero)', async () => {
    const flat = writeImages(join(tmp, 'flat'), [[16, 16], [16, 16], [16, 16], [16, 16]]);
    const set = await ImageSet.load(flat, { crop: 16 });
    // overwrite with flat colours so y0 = x0 exactly
    set.images.forEach((im, i) => im.pixels!.fill(40 + 50 * i));
    const r = await train(join(tmp, 'toy'), tinyConfig({ batch: 1, lr: 3e-3, epochs: 6, saveEvery: 0 }), { set });
    const l = r.events.filter((e) => e.type === 'step').map((e) => (e as { loss: number }).loss);
    expect(l.length).toBe(24);
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    expect(mean(l.slice(-5))).toBeLessThan(0.5 * mean(l.slice(0, 5)));
  });
});
