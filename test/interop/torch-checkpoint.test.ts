import { describe, expect, it } from 'vitest';
import { stateDictToModelFile } from '../../src/interop/convert.js';
import { readTorchCheckpoint, type TorchTensor } from '../../src/interop/torch-checkpoint.js';
import { SINGLE_OP } from '../../src/golden/tolerance.js';
import { parseSafetensors } from '../../src/nn/safetensors.js';
import { checkpointFromBytes, modelFromCheckpoint } from '../../src/resshift/checkpoint.js';
import { DualDomainUNet } from '../../src/resshift/model.js';
import { noGrad, tensor } from '../../src/tensor/index.js';
import { Rng } from '../../src/tensor/rng.js';
import { fixtureBytes, fixtureTensors, maxDiff } from './fixtures.js';
import { makeZip } from './zip-writer.js';

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

function expectSameTensors(got: Map<string, TorchTensor>, want: Map<string, { shape: number[]; data: Float32Array }>): void {
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [k, w] of want) {
    expect(got.get(k)!.shape, k).toEqual(w.shape);
    expect(bits(got.get(k)!.data), k).toEqual(bits(w.data));
  }
}

// A protocol-2 pickle of {name: _rebuild_tensor_v2(storage, offset, shape, stride, False, OrderedDict())}
// for hand-made archives.
function tensorPickle(entries: { name: string; kind: string; key: string; numel: number; offset: number; shape: number[]; stride: number[] }[]): Uint8Array {
  const out: number[] = [0x80, 0x02, 0x7d, 0x28];
  const text = (s: string) => out.push(...Array.from(s, (c) => c.charCodeAt(0)));
  const str = (s: string) => {
    out.push(0x58, s.length, 0, 0, 0);
    text(s);
  };
  const int = (n: number) => out.push(0x4a, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff);
  const tuple = (xs: number[]) => {
    out.push(0x28);
    xs.forEach(int);
    out.push(0x74);
  };
  for (const e of entries) {
    str(e.name);
    text('ctorch._utils\n_rebuild_tensor_v2\n(('); // args, then the persistent id tuple
    str('storage');
    text(`ctorch\n${e.kind}\n`);
    str(e.key);
    str('cpu');
    int(e.numel);
    out.push(0x74, 0x51); // TUPLE, BINPERSID
    int(e.offset);
    tuple(e.shape);
    tuple(e.stride);
    text('\x89ccollections\nOrderedDict\n)Rt'); // False, OrderedDict(), end of args
    out.push(0x52); // REDUCE
  }
  out.push(0x75, 0x2e); // SETITEMS, STOP
  return Uint8Array.from(out);
}

const f32bytes = (v: number[]) => new Uint8Array(Float32Array.from(v).buffer);

describe('reading torch.save checkpoints', () => {
  const expected = fixtureTensors('unet-w2.expected.safetensors');

  it('reads a saved state dict bit-exactly, in the order PyTorch wrote it', () => {
    const sd = readTorchCheckpoint(fixtureBytes('unet-w2.pt'));
    expect(sd.key).toBeNull();
    expectSameTensors(sd.tensors, expected);
    const ours = new DualDomainUNet({ baseChannels: 2, timeDim: 8 }, { rng: new Rng(0) });
    expect([...sd.tensors.keys()]).toEqual(ours.stateDict().map(([n]) => n));
    ours.dispose();
    expectSameTensors(readTorchCheckpoint(fixtureBytes('unet-w2-p4.pt')).tensors, expected);
  });

  it("takes the state dict under 'model' of a training checkpoint and skips the rest", () => {
    const sd = readTorchCheckpoint(fixtureBytes('unet-w2-train.pt'));
    expect(sd.key).toBe('model');
    expect(sd.skipped).toEqual(['optimizer', 'epoch']);
    expect(sd.numbers).toEqual({ epoch: 1 });
    expectSameTensors(sd.tensors, expected);
    expect(() => readTorchCheckpoint(fixtureBytes('unet-w2-train.pt'), { key: 'optimizer' })).toThrow(/'optimizer' holds a dict that is not a state dict/);
    expect(() => readTorchCheckpoint(fixtureBytes('unet-w2-train.pt'), { key: 'ema' })).toThrow(/has no key 'ema' \(its keys: 'model', 'optimizer', 'epoch'\)/);
  });

  it('converts float16, bfloat16 and float64 storages to float32 and follows strides and offsets', () => {
    const sd = readTorchCheckpoint(fixtureBytes('mixed.pt'));
    expect(sd.converted.sort()).toEqual(['BFloat16Storage', 'DoubleStorage', 'HalfStorage']);
    expectSameTensors(sd.tensors, fixtureTensors('mixed.expected.safetensors'));
    expectSameTensors(readTorchCheckpoint(fixtureBytes('views.pt')).tensors, fixtureTensors('views.expected.safetensors'));
  });

  it('refuses what is not a state dict with a message that says what it is', () => {
    expect(() => readTorchCheckpoint(fixtureBytes('legacy.pt'))).toThrow(/legacy PyTorch format/);
    expect(() => readTorchCheckpoint(fixtureBytes('module.pt'))).toThrow(/needs the Python object torch\.nn\.modules\.linear\.Linear/);
    expect(() => readTorchCheckpoint(fixtureBytes('unet-w2.expected.safetensors'))).toThrow(/not a PyTorch checkpoint/);
    expect(() => readTorchCheckpoint(new Uint8Array())).toThrow(/is empty/);
    const pkl = tensorPickle([{ name: 'w', kind: 'FloatStorage', key: '0', numel: 2, offset: 0, shape: [2], stride: [1] }]);
    const ok = makeZip([{ name: 'm/data.pkl', data: pkl }, { name: 'm/data/0', data: f32bytes([1.5, -2]) }]);
    expect([...readTorchCheckpoint(ok).tensors.get('w')!.data]).toEqual([1.5, -2]);
    const script = makeZip([{ name: 'm/data.pkl', data: pkl }, { name: 'm/constants.pkl', data: pkl }]);
    expect(() => readTorchCheckpoint(script)).toThrow(/TorchScript archive/);
    const big = makeZip([{ name: 'm/data.pkl', data: pkl }, { name: 'm/byteorder', data: new TextEncoder().encode('big') }]);
    expect(() => readTorchCheckpoint(big)).toThrow(/byte order 'big'/);
    expect(() => readTorchCheckpoint(makeZip([{ name: 'm/data.pkl', data: pkl }]))).toThrow(/storage record m\/data\/0 is missing/);
    expect(() => readTorchCheckpoint(makeZip([{ name: 'm/data.pkl', data: pkl }, { name: 'm/data/0', data: f32bytes([1]) }]))).toThrow(/holds 4 bytes, but 2 FloatStorage elements need 8/);
    const past = tensorPickle([{ name: 'w', kind: 'FloatStorage', key: '0', numel: 2, offset: 1, shape: [2], stride: [1] }]);
    expect(() => readTorchCheckpoint(makeZip([{ name: 'm/data.pkl', data: past }, { name: 'm/data/0', data: f32bytes([1, 2]) }]))).toThrow(/reaches element 2 of a storage of 2/);
    const huge = tensorPickle([{ name: 'w', kind: 'FloatStorage', key: '0', numel: 1, offset: 0, shape: [65536, 65536], stride: [0, 0] }]);
    expect(() => readTorchCheckpoint(makeZip([{ name: 'm/data.pkl', data: huge }, { name: 'm/data/0', data: f32bytes([1]) }]))).toThrow(/declares 4294967296 elements/);
    const ints = tensorPickle([{ name: 'n', kind: 'LongStorage', key: '0', numel: 1, offset: 0, shape: [], stride: [] }]);
    expect(() => readTorchCheckpoint(makeZip([{ name: 'm/data.pkl', data: ints }, { name: 'm/data/0', data: new Uint8Array(8) }]))).toThrow(/'n' holds LongStorage elements/);
  });
});

describe('converting a state dict to our model file', () => {
  it('gives a model whose forward matches PyTorch on the same inputs', () => {
    const sd = readTorchCheckpoint(fixtureBytes('unet-w2-train.pt'));
    const conv = stateDictToModelFile(sd.tensors);
    expect(conv.config).toEqual({ inChannels: 31, baseChannels: 2, timeDim: 8 });
    expect(conv.strippedPrefix).toBeNull();
    // the file holds exactly the state dict, values unchanged
    const file = parseSafetensors(conv.bytes);
    expect([...file.tensors.keys()].sort()).toEqual([...sd.tensors.keys()].sort());
    for (const [k, t] of sd.tensors) expect(bits(file.tensors.get(k)!.data as Float32Array), k).toEqual(bits(t.data));
    const fwd = fixtureTensors('unet-w2.forward.safetensors');
    const model = modelFromCheckpoint(checkpointFromBytes(conv.bytes));
    const out = noGrad(() => model.forward(tensor(fwd.get('xt')!.data, fwd.get('xt')!.shape), tensor(fwd.get('y0_aug')!.data, fwd.get('y0_aug')!.shape), tensor(fwd.get('t')!.data, [1])));
    // PyTorch float32 against ours: the whole-model forward bound of the golden check
    const { diff, scale } = maxDiff(out.dataSync(), fwd.get('output')!.data);
    expect(diff).toBeLessThanOrEqual(SINGLE_OP.atol + SINGLE_OP.rtol * scale);
    out.dispose();
    model.dispose();
  });

  it("restores Haar buffers saved in half precision, strips DataParallel's 'module.' and refuses other models", () => {
    const half = readTorchCheckpoint(fixtureBytes('mixed.pt'));
    const halfHaar = [...half.tensors].filter(([k, t]) => /dwt_branch\.(dwt|idwt)\./.test(k) && (t.storageKind === 'HalfStorage' || t.storageKind === 'BFloat16Storage')).length;
    expect(halfHaar).toBeGreaterThan(0);
    const conv = stateDictToModelFile(half.tensors);
    expect(conv.restoredHaar).toBe(halfHaar);
    const R = Math.fround(Math.SQRT1_2);
    const file = parseSafetensors(conv.bytes);
    expect([...file.tensors.get('dec2.dwt_branch.idwt.g1_row')!.data]).toEqual([R, -R]);
    for (const [k, t] of half.tensors) if (!/dwt_branch\.(dwt|idwt)\./.test(k)) expect(bits(file.tensors.get(k)!.data as Float32Array), k).toEqual(bits(t.data));

    const wrapped = new Map([...readTorchCheckpoint(fixtureBytes('unet-w2.pt')).tensors].map(([k, t]) => [`module.${k}`, t]));
    expect(stateDictToModelFile(wrapped).strippedPrefix).toBe('module.');

    expect(() => stateDictToModelFile(readTorchCheckpoint(fixtureBytes('views.pt')).tensors)).toThrow(/not a DualDomainUNet state dict/);
    const partial = new Map([...readTorchCheckpoint(fixtureBytes('unet-w2.pt')).tensors].filter(([k]) => k !== 'outc.bias'));
    expect(() => stateDictToModelFile(partial)).toThrow(/outc\.bias/);
  });
});
