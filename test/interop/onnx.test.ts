import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { stateDictToModelFile } from '../../src/interop/convert.js';
import { ONNX_OUTPUT, unetToOnnx } from '../../src/interop/onnx-unet.js';
import { PbMessage } from '../../src/interop/protobuf.js';
import { readTorchCheckpoint } from '../../src/interop/torch-checkpoint.js';
import { SINGLE_OP } from '../../src/golden/tolerance.js';
import { checkpointFromBytes, modelFromCheckpoint } from '../../src/resshift/checkpoint.js';
import { DualDomainUNet } from '../../src/resshift/model.js';
import { noGrad, randNormal, tensor } from '../../src/tensor/index.js';
import { Rng } from '../../src/tensor/rng.js';
import { fixtureBytes, fixtureTensors, maxDiff } from './fixtures.js';

const require = createRequire(import.meta.url);

function stateOf(model: DualDomainUNet) {
  return new Map(model.stateDict().map(([n, t]) => [n, { shape: [...t.shape], data: Float32Array.from(t.dataSync()) }]));
}

async function runOrt(session: ort.InferenceSession, xt: Float32Array, y0: Float32Array, t: Float32Array, [B, H, W]: number[]): Promise<Float32Array> {
  const res = await session.run({
    xt: new ort.Tensor('float32', xt, [B, 3, H, W]),
    y0_aug: new ort.Tensor('float32', y0, [B, 28, H, W]),
    t: new ort.Tensor('float32', t, [B]),
  });
  return res[ONNX_OUTPUT].data as Float32Array;
}

// Both sides are float32 with different summation orders (and ORT's own erf/sin/cos), like
// PyTorch against us in the golden model check, so the same bound: atol 1e-5 + rtol 1e-4 max|e|.
function expectClose(got: Float32Array, want: ArrayLike<number>): number {
  const { diff, scale } = maxDiff(got, want);
  expect(diff).toBeLessThanOrEqual(SINGLE_OP.atol + SINGLE_OP.rtol * scale);
  return diff;
}

describe('protobuf writer', () => {
  it('encodes varints (negative int64 as ten bytes), fixed32 floats and nested lengths', () => {
    expect([...new PbMessage().int(1, 300).finish()]).toEqual([0x08, 0xac, 0x02]);
    expect([...new PbMessage().int(3, -1).finish()]).toEqual([0x18, ...Array(9).fill(0xff), 0x01]);
    expect([...new PbMessage().float(2, 1.5).finish()]).toEqual([0x15, 0x00, 0x00, 0xc0, 0x3f]);
    const inner = new PbMessage().string(1, 'ab');
    expect([...new PbMessage().message(7, inner).int(2, 1).finish()]).toEqual([0x3a, 0x04, 0x0a, 0x02, 0x61, 0x62, 0x10, 0x01]);
  });
});

describe('ONNX export of the UNet, run by onnxruntime-web', () => {
  beforeAll(() => {
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.wasmPaths = dirname(require.resolve('onnxruntime-web')) + '/';
  });

  it('gives our forward for several batch sizes and image sizes (dynamic B, H, W)', async () => {
    const model = new DualDomainUNet({ baseChannels: 4, timeDim: 16 }, { rng: new Rng(1) });
    const session = await ort.InferenceSession.create(unetToOnnx(stateOf(model), model.config), { executionProviders: ['wasm'] });
    const rng = new Rng(5);
    for (const [B, H, W, ts] of [[2, 16, 24, [3, 15]], [1, 8, 8, [1]], [1, 64, 40, [11]]] as [number, number, number, number[]][]) {
      const xt = randNormal([B, 3, H, W], rng);
      const y0 = randNormal([B, 28, H, W], rng);
      const want = noGrad(() => model.forward(xt, y0, tensor(Float32Array.from(ts), [B]))).dataSync();
      const got = await runOrt(session, Float32Array.from(xt.dataSync()), Float32Array.from(y0.dataSync()), Float32Array.from(ts), [B, H, W]);
      expectClose(got, want);
    }
    await session.release();
    model.dispose();
  });

  it('runs a notebook checkpoint, converted, with the outputs PyTorch gave', async () => {
    const conv = stateDictToModelFile(readTorchCheckpoint(fixtureBytes('unet-w2.pt')).tensors);
    const model = modelFromCheckpoint(checkpointFromBytes(conv.bytes));
    const session = await ort.InferenceSession.create(unetToOnnx(stateOf(model), model.config), { executionProviders: ['wasm'] });
    model.dispose();
    const f = fixtureTensors('unet-w2.forward.safetensors');
    const [, , H, W] = f.get('xt')!.shape;
    expectClose(await runOrt(session, f.get('xt')!.data, f.get('y0_aug')!.data, f.get('t')!.data, [1, H, W]), f.get('output')!.data);
    await session.release();
  });
});
