import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkpointFromBytes, modelFromCheckpoint, modelToBytes } from '../../src/resshift/checkpoint.js';
import { DualDomainUNet } from '../../src/resshift/model.js';
import { DEFAULT_RESSHIFT_CONFIG } from '../../src/resshift/schedule.js';
import { randNormal, scope, tensor } from '../../src/tensor/index.js';
import { Rng } from '../../src/tensor/rng.js';

const keys = JSON.parse(readFileSync('../shared/golden/torch/model-keys.json', 'utf8')) as {
  total_parameters: number;
  keys: { key: string; shape: number[]; kind: string }[];
};

describe('DualDomainUNet', () => {
  const model = new DualDomainUNet({}, { rng: new Rng(1) });
  it('has exactly the reference state dict: names, order, shapes, kinds', () => {
    const sd = model.stateDict();
    expect(sd.map(([n, t]) => ({ key: n, shape: [...t.shape], kind: model.isBuffer(n) ? 'buffer' : 'parameter' }))).toEqual(keys.keys.map(({ key, shape, kind }) => ({ key, shape, kind })));
    expect(model.parameters().reduce((a, p) => a + p.size, 0)).toBe(keys.total_parameters);
  });
  it('round-trips through a checkpoint file and rejects a state dict that does not fit', () => {
    const bytes = modelToBytes(model, { model: model.config, diffusion: DEFAULT_RESSHIFT_CONFIG });
    const ck = checkpointFromBytes(bytes);
    const again = modelFromCheckpoint(ck);
    expect(again.stateDict().every(([n, t], i) => Buffer.from(t.dataSync().buffer).equals(Buffer.from(model.stateDict()[i][1].dataSync().buffer)))).toBe(true);
    again.dispose();
    const state = new Map(ck.state);
    state.delete('outc.bias');
    state.set('extra.weight', { shape: [1], data: [0] });
    state.set('inc.conv.0.bias', { shape: [3], data: [0, 0, 0] });
    expect(() => modelFromCheckpoint({ ...ck, state })).toThrow(/missing outc.bias; unexpected extra.weight; wrong shape inc.conv.0.bias \[3\] \(model \[64\]\)/);
    const haar = new Map(ck.state);
    haar.set('bot.dwt_branch.dwt.h1_row', { shape: [1, 1, 1, 2], data: [0.5, 0.5] });
    expect(() => modelFromCheckpoint({ ...ck, state: haar })).toThrow(/Haar filter h1_row/);
  });
  it('checks its inputs', () => {
    scope(() => {
      const small = new DualDomainUNet({ baseChannels: 4 }, { rng: new Rng(1) });
      const xt = randNormal([1, 3, 12, 16], new Rng(2));
      const y0 = randNormal([1, 28, 12, 16], new Rng(2));
      expect(() => small.forward(xt, y0, tensor([1], [1]))).toThrow(/multiples of 8 .*, got 12x16/);
      const x8 = randNormal([2, 3, 8, 16], new Rng(2));
      expect(() => small.forward(x8, randNormal([2, 27, 8, 16], new Rng(2)), tensor([1, 2], [2]))).toThrow(/3 \+ 27 input channels, model expects 31/);
      expect(small.forward(x8, randNormal([2, 28, 8, 16], new Rng(2)), tensor([1, 2], [2])).shape).toEqual([2, 3, 8, 16]);
      small.dispose();
    });
  });
});
