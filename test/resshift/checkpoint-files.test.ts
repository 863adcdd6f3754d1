import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Adam } from '../../src/nn/adam.js';
import { parseSafetensors, serializeSafetensors } from '../../src/nn/safetensors.js';
import { modelToBytes, optimizerToBytes } from '../../src/resshift/checkpoint.js';
import {
  findLatestCheckpoint, loadOptimizerFile, modelFromCheckpointFile, parseCheckpointName, readCheckpointFile, saveCheckpoint,
} from '../../src/resshift/checkpoint-files.js';
import { DualDomainUNet } from '../../src/resshift/model.js';
import { DEFAULT_RESSHIFT_CONFIG } from '../../src/resshift/schedule.js';
import { Rng } from '../../src/tensor/rng.js';

const tmp = mkdtempSync(join(tmpdir(), 'resshift-ckfiles-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('checkpoint files', () => {
  const model = new DualDomainUNet({ baseChannels: 4 }, { rng: new Rng(3) });
  const meta = { model: model.config, diffusion: { ...DEFAULT_RESSHIFT_CONFIG }, train: { note: 'x' } };

  it('saves model + optimizer, finds the latest by position and loads both back', async () => {
    const dir = join(tmp, 'ck');
    const opt = new Adam(model.parameters());
    opt.step = 7;
    opt.slots[0].expAvg.storage.backend.write(opt.slots[0].expAvg.storage.buf, new Float32Array(opt.slots[0].expAvg.size).fill(0.25));
    expect(await findLatestCheckpoint(dir)).toBeNull();
    for (const pos of [{ epoch: 2 }, { epoch: 10 }, { epoch: 9, step: 95 }, { epoch: 10, step: 101 }, { epoch: 3 }]) {
      await saveCheckpoint(dir, { ...pos, model, optimizer: opt, meta, runId: 'run-a' });
    }
    writeFileSync(join(dir, 'resshift_epoch_99.txt'), 'not a checkpoint');
    const latest = await findLatestCheckpoint(dir);
    expect(latest).toBe(join(dir, 'resshift_epoch_10_step_101.safetensors'));
    expect(parseCheckpointName('resshift_epoch_10.optim.safetensors')).toBeNull();

    const ck = await readCheckpointFile(latest!);
    expect(ck.meta.train).toEqual({ note: 'x' });
    expect(ck.meta.optimizerFile).toBe('resshift_epoch_10_step_101.optim.safetensors');
    expect(ck.meta.run).toEqual({ id: 'run-a', step: 7 });
    const again = modelFromCheckpointFile(latest!, ck);
    const opt2 = new Adam(again.parameters());
    await loadOptimizerFile(latest!, ck, again, opt2);
    expect(opt2.step).toBe(7);
    expect(opt2.slots[0].expAvg.dataSync()[0]).toBe(0.25);
    again.dispose();
    opt2.dispose();
    opt.dispose();
  });

  it('gives one-line errors naming the file', async () => {
    const missing = join(tmp, 'nope.safetensors');
    await expect(readCheckpointFile(missing)).rejects.toThrow(`${missing}: no such checkpoint file`);
    const junk = join(tmp, 'junk.safetensors');
    writeFileSync(junk, 'hello world, definitely not safetensors');
    await expect(readCheckpointFile(junk)).rejects.toThrow(new RegExp(`^${junk}: not a safetensors file \\(`));
    const other = join(tmp, 'other.safetensors');
    writeFileSync(other, serializeSafetensors([['w', { shape: [2], data: new Float32Array(2) }]]));
    await expect(readCheckpointFile(other)).rejects.toThrow(`${other}: not a DualDomainUNet checkpoint`);

    const bytes = await modelToBytes(model, meta);
    const ok = join(tmp, 'model-only.safetensors');
    writeFileSync(ok, bytes);
    const ck = await readCheckpointFile(ok);
    const state = new Map(ck.state);
    state.delete('outc.bias');
    expect(() => modelFromCheckpointFile(ok, { ...ck, state })).toThrow(`${ok}: state dict does not fit the model: missing outc.bias`);
    const opt = new Adam(model.parameters());
    await expect(loadOptimizerFile(ok, ck, model, opt)).rejects.toThrow(`${ok}: has no optimizer state`);
    opt.dispose();
    expect(readFileSync(ok).length).toBe(bytes.length);
  });

  it('refuses a model file beside another run\'s optimizer file; accepts a legacy pair (no run ids)', async () => {
    const opt = new Adam(model.parameters());
    opt.step = 5;
    // two sessions wrote the same position into two folders
    const [a, b] = [join(tmp, 'pair-a'), join(tmp, 'pair-b')];
    const pathA = await saveCheckpoint(a, { epoch: 1, model, optimizer: opt, meta, runId: 'session-a' });
    await saveCheckpoint(b, { epoch: 1, model, optimizer: opt, meta, runId: 'session-b' });
    const optName = 'resshift_epoch_1.optim.safetensors';
    const mixed = join(tmp, 'pair-mixed');
    mkdirSync(mixed);
    copyFileSync(pathA, join(mixed, 'resshift_epoch_1.safetensors'));
    copyFileSync(join(b, optName), join(mixed, optName));
    const load = async (dir: string) => {
      const path = join(dir, 'resshift_epoch_1.safetensors');
      const o = new Adam(model.parameters());
      try {
        await loadOptimizerFile(path, await readCheckpointFile(path), model, o);
        return o.step;
      } finally {
        o.dispose();
      }
    };
    expect(await load(a)).toBe(5);
    await expect(load(mixed)).rejects.toThrow(
      `${join(mixed, optName)}: is not the optimizer state of resshift_epoch_1.safetensors: it is run session-b at step 5, the model file is run session-a at step 5 (were two train runs writing to one folder?)`,
    );

    // the same session at another step
    opt.step = 6;
    writeFileSync(join(mixed, optName), await optimizerToBytes(model, opt, 'session-a'));
    await expect(load(mixed)).rejects.toThrow(/it is run session-a at step 6, the model file is run session-a at step 5/);

    // files written before run ids: neither has one, so there is nothing to compare
    const legacy = join(tmp, 'pair-legacy');
    mkdirSync(legacy);
    writeFileSync(join(legacy, 'resshift_epoch_1.safetensors'), await modelToBytes(model, { ...meta, optimizerFile: optName }));
    writeFileSync(join(legacy, optName), await optimizerToBytes(model, opt));
    expect(await load(legacy)).toBe(6);
    // but a new optimizer file beside a legacy model file is not its pair
    writeFileSync(join(legacy, optName), await optimizerToBytes(model, opt, 'session-a'));
    await expect(load(legacy)).rejects.toThrow(/it is run session-a at step 6, the model file is a file without run id/);
    opt.dispose();
  });

  it('refuses hostile settings when the file is read, before anything is built', async () => {
    const write = async (name: string, over: Record<string, unknown>) => {
      const path = join(tmp, name);
      writeFileSync(path, await modelToBytes(model, { ...meta, diffusion: { ...DEFAULT_RESSHIFT_CONFIG, ...over } as typeof meta.diffusion }));
      return path;
    };
    const bigT = await write('big-T.safetensors', { T: 1e9 });
    const t0 = performance.now();
    await expect(readCheckpointFile(bigT)).rejects.toThrow(`${bigT}: metadata 'diffusion': diffusion.T must be an integer in 2..10000, got 1000000000`);
    expect(performance.now() - t0).toBeLessThan(1000);
    const kappa = await write('big-kappa.safetensors', { kappa: 1e30 });
    await expect(readCheckpointFile(kappa)).rejects.toThrow(`${kappa}: metadata 'diffusion': diffusion.kappa must be in (0, 100], got 1e+30`);
    const odd = await write('odd-key.safetensors', { steps: 4 });
    await expect(readCheckpointFile(odd)).rejects.toThrow(/diffusion settings: unknown steps/);
    // a file naming only some settings gets the reference run's for the rest, as before
    const { tensors } = parseSafetensors(readFileSync(odd));
    const partial = join(tmp, 'partial.safetensors');
    writeFileSync(partial, serializeSafetensors([...tensors].map(([n, t]) => [n, { shape: t.shape, data: t.data }]), { model: JSON.stringify(model.config), diffusion: JSON.stringify({ T: 4 }) }));
    expect((await readCheckpointFile(partial)).meta.diffusion).toEqual({ ...DEFAULT_RESSHIFT_CONFIG, T: 4 });
  });

  it('still reads the bundled model', async () => {
    const ck = await readCheckpointFile('models/resshift-default.safetensors');
    expect(ck.meta.run).toBeUndefined();
    modelFromCheckpointFile('models/resshift-default.safetensors', ck).dispose();
  });
});
