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
  it('round-trips through a checkpoint file and rejects a state dict that does not fit', async () => {
    const bytes = await modelToBytes(model, { model: model.config, diffusion: DEFAULT_RESSHIFT_CONFIG });
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
  it('loads a model.half() export (F16 or BF16): the Haar buffers hold 1/sqrt(2) in half precision', () => {
    const small = new DualDomainUNet({ baseChannels: 4 }, { rng: new Rng(1) });
    for (const dtype of ['F16', 'BF16'] as const) {
      const bytes = halfFile(small, dtype, { model: JSON.stringify(small.config) });
      const ck = checkpointFromBytes(bytes);
      expect(ck.state.get('bot.dwt_branch.dwt.h0_row')!.data[0]).toBe(0.70703125);
      const m = modelFromCheckpoint(ck);
      expect(m.config).toEqual(small.config);
      m.dispose();
    }
    // still only the Haar filter: the next half-precision value below is refused
    const ck = checkpointFromBytes(halfFile(small, 'F16', { model: JSON.stringify(small.config) }));
    const state = new Map(ck.state);
    state.set('bot.dwt_branch.idwt.g1_col', { shape: [1, 1, 2, 1], data: [0.70654296875, -0.70654296875] });
    expect(() => modelFromCheckpoint({ ...ck, state })).toThrow(/Haar filter g1_col holds \[0\.70654296875, -0\.70654296875\]/);
    state.set('bot.dwt_branch.idwt.g1_col', { shape: [1, 1, 2, 1], data: [0.70703125, 0.70703125] });
    expect(() => modelFromCheckpoint({ ...ck, state })).toThrow(/Haar filter g1_col/);
    small.dispose();
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

/** float32 -> IEEE half bits, round to nearest even (subnormals included). */
function toF16(x: number): number {
  const u = new Uint32Array(new Float32Array([x]).buffer)[0];
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  let mant = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  let shift = 13;
  let h: number;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    shift = 14 - e;
    h = mant >>> shift;
  } else {
    h = (e << 10) | (mant >>> 13);
  }
  const rem = mant & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  if (rem > half || (rem === half && h & 1)) h++;
  return sign | h;
}

/** float32 -> bfloat16 bits, round to nearest even. */
function toBF16(x: number): number {
  const u = new Uint32Array(new Float32Array([x]).buffer)[0];
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

/** A safetensors file of the model's state dict in a half format, as torch's model.half() saves it. */
function halfFile(model: DualDomainUNet, dtype: 'F16' | 'BF16', metadata: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of model.stateDict()) {
    const v = t.dataSync();
    const b = new Uint8Array(2 * v.length);
    v.forEach((x, i) => {
      const h = dtype === 'F16' ? toF16(x) : toBF16(x);
      b[2 * i] = h & 0xff;
      b[2 * i + 1] = h >>> 8;
    });
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + b.length] };
    chunks.push(b);
    offset += b.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  let pos = 8 + json.length;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}
