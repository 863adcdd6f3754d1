import { describe, expect, it } from 'vitest';
import { serializeSafetensors } from '../../src/nn/safetensors.js';
import { checkpointFromBytes, modelFromCheckpoint, modelToBytes } from '../../src/resshift/checkpoint.js';
import { DualDomainUNet, type UNetConfig } from '../../src/resshift/model.js';
import { checkUNetConfig, unetStateShapes } from '../../src/resshift/model-shapes.js';
import { DEFAULT_RESSHIFT_CONFIG } from '../../src/resshift/schedule.js';
import { Rng } from '../../src/tensor/rng.js';

const small = new DualDomainUNet({ baseChannels: 4 }, { rng: new Rng(1) });
const smallBytes = (md: Record<string, unknown>) => {
  const tensors = small.stateDict().map(([n, t]) => [n, { shape: [...t.shape], data: Float32Array.from(t.dataSync()) }] as [string, { shape: number[]; data: Float32Array }]);
  return serializeSafetensors(tensors, Object.fromEntries(Object.entries(md).map(([k, v]) => [k, JSON.stringify(v)])));
};

/** Runs `fn`, which must throw `msg`, and returns how long it took (ms). */
function refusalMs(fn: () => unknown, msg: RegExp): number {
  const t0 = performance.now();
  expect(fn).toThrow(msg);
  return performance.now() - t0;
}

describe('model shapes from settings', () => {
  it('are exactly the state dict the model builds', () => {
    for (const cfg of [{ inChannels: 31, baseChannels: 64, timeDim: 128 }, { inChannels: 5, baseChannels: 3, timeDim: 6 }, { inChannels: 31, baseChannels: 4, timeDim: 8 }] as UNetConfig[]) {
      const m = new DualDomainUNet(cfg, { rng: new Rng(0) });
      expect(unetStateShapes(cfg)).toEqual(m.stateDict().map(([n, t]) => [n, [...t.shape]]));
      m.dispose();
    }
  });

  it('settings are checked: integers, bounds, even time embedding, no unknown keys', () => {
    expect(checkUNetConfig({ inChannels: 31, baseChannels: 64, timeDim: 128 })).toEqual({ inChannels: 31, baseChannels: 64, timeDim: 128 });
    expect(() => checkUNetConfig({ inChannels: 31, baseChannels: 1e9, timeDim: 128 })).toThrow('model.baseChannels must be an integer in 1..4096, got 1000000000');
    expect(() => checkUNetConfig({ inChannels: 31, baseChannels: '64', timeDim: 128 })).toThrow(/baseChannels .* got "64"/);
    expect(() => checkUNetConfig({ inChannels: 31, baseChannels: 64, timeDim: 7 })).toThrow('model.timeDim must be even, got 7');
    expect(() => checkUNetConfig({ inChannels: 31, baseChannels: 64, timeDim: 128, depth: 9 })).toThrow('model settings: unknown depth');
    expect(() => checkUNetConfig({ inChannels: 31, baseChannels: 64 })).toThrow(/timeDim/);
  });

  it('a 1.6 MB-style checkpoint claiming baseChannels 3000 is refused at once, before any model is built', () => {
    const bytes = smallBytes({ model: { inChannels: 31, baseChannels: 3000, timeDim: 128 }, diffusion: DEFAULT_RESSHIFT_CONFIG });
    // the old path allocated 4.4 GB over 41 s before the strict load failed
    const ms = refusalMs(() => checkpointFromBytes(bytes), /state dict does not fit the model: wrong shape time_mlp\.3\.weight \[4, 512\] \(model \[3000, 512\]\)/);
    expect(ms).toBeLessThan(1000);
    // and a LoadedCheckpoint made in code with such settings is refused by modelFromCheckpoint too
    const ck = checkpointFromBytes(smallBytes({ model: small.config, diffusion: DEFAULT_RESSHIFT_CONFIG }));
    const ms2 = refusalMs(() => modelFromCheckpoint({ ...ck, meta: { ...ck.meta, model: { ...ck.meta.model, baseChannels: 3000 } } }), /does not fit the model/);
    expect(ms2).toBeLessThan(1000);
    expect(() => modelFromCheckpoint({ ...ck, meta: { ...ck.meta, model: { ...ck.meta.model, baseChannels: 1e6 } } })).toThrow(/baseChannels must be an integer in 1\.\.4096/);
  });

  it('a file holding only the tensors that decide the widths is refused before building', () => {
    // inc and time_mlp of a 3000-wide model (~3.4 MB) and nothing else: the shapes agree with
    // the settings, the rest of the model (4.4 GB) is missing
    const c = 3000;
    const t = (shape: number[]) => ({ shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
    const bytes = serializeSafetensors(
      [
        ['inc.conv.0.weight', t([c, 31, 3, 3])],
        ['time_mlp.1.weight', t([512, 128])],
        ['time_mlp.3.weight', t([c, 512])],
      ],
      { model: JSON.stringify({ inChannels: 31, baseChannels: c, timeDim: 128 }) },
    );
    expect(refusalMs(() => checkpointFromBytes(bytes), /does not fit the model: missing time_mlp\.1\.bias/)).toBeLessThan(1000);
    // without settings the widths are read from the same tensors: also refused before building
    const plain = serializeSafetensors([['inc.conv.0.weight', t([c, 31, 3, 3])], ['time_mlp.1.weight', t([512, 128])]]);
    expect(refusalMs(() => checkpointFromBytes(plain), /missing time_mlp\.1\.bias/)).toBeLessThan(1000);
  });

  it('our own files still round-trip', async () => {
    const ck = checkpointFromBytes(await modelToBytes(small, { model: small.config, diffusion: DEFAULT_RESSHIFT_CONFIG }));
    expect(ck.meta.model).toEqual(small.config);
    modelFromCheckpoint(ck).dispose();
  });
});
