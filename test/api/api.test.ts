import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateModel, loadModel, Model, upscale, upscalePng } from '../../src/api/index.js';
import { initWasmBackend } from '../../src/backends/wasm/index.js';
import { decodeImage } from '../../src/image/decode.js';
import { encodePng } from '../../src/image/encode.js';
import { fromRgb8, toRgb8 } from '../../src/image/quantize.js';
import { checkpointFromBytes, modelFromCheckpoint } from '../../src/resshift/checkpoint.js';
import { evaluateModel as evaluateCore } from '../../src/resshift/evaluate.js';
import { etaSchedule } from '../../src/resshift/schedule.js';
import { upscaleImage } from '../../src/resshift/upscale.js';
import { pixels, tinyCheckpoint } from './support.js';

// The high-level API on Node (the calling thread): the same bits as the engine's own path, every
// option checked before work starts, progress and cancellation.

const bytes = tinyCheckpoint();
const lr = pixels(7, 5);
const sampling = { steps: 3, tile: 16, overlap: 8, seed: 4 };
let model: Model;

beforeAll(async () => {
  await initWasmBackend();
  model = await loadModel({ bytes });
});
afterAll(() => model.dispose());

/** The float path (superResolve over the whole bicubic upsample), quantised as the PNG writer does. */
async function engineResult(backend: string, o: { tile?: number } = {}): Promise<Uint8Array> {
  const ck = checkpointFromBytes(bytes);
  const m = modelFromCheckpoint(ck, backend);
  try {
    const out = await upscaleImage(m, fromRgb8(lr.data, lr.width, lr.height), { schedule: etaSchedule(ck.meta.diffusion), kappa: ck.meta.diffusion.kappa, ...sampling, ...o });
    return toRgb8(out);
  } finally {
    m.dispose();
  }
}

describe('loadModel', () => {
  it('loads the bundled model, and the same file by path, URL and bytes', async () => {
    const bundled = await loadModel();
    expect(bundled.runsIn).toBe('thread');
    expect(bundled.info.config.baseChannels).toBe(32);
    expect(bundled.info.diffusion.T).toBe(15);
    expect(bundled.info.name).toMatch(/models\/resshift-default\.safetensors$/);
    bundled.dispose();
    const path = 'models/resshift-default.safetensors';
    for (const source of [{ path }, { url: pathToFileURL(path) }, { bytes: readFileSync(path) }]) {
      const m = await loadModel(source);
      expect(m.info.config).toEqual({ inChannels: 31, baseChannels: 32, timeDim: 128 });
      m.dispose();
    }
  });

  it('names the source in one line when it cannot be used', async () => {
    await expect(loadModel({ bytes: new Uint8Array(10), name: 'w.safetensors' })).rejects.toThrow(/^w\.safetensors: not a safetensors file/);
    await expect(loadModel({ path: 'no/such.safetensors' })).rejects.toThrow('loadModel: no/such.safetensors: no such file');
    await expect(loadModel({ url: 'model.safetensors' })).rejects.toThrow(/not a URL \(give an absolute one, or \{ path \} for a file\)/);
    await expect(loadModel({} as never)).rejects.toThrow(/source must be \{ bytes \}, \{ url \} or \{ path \}/);
    // Node 20 has no Web Worker: asking for one is an error, not a silent fallback
    await expect(loadModel({ bytes }, { worker: true })).rejects.toThrow(/upscale worker .* could not be created/);
  });
});

describe('upscale', () => {
  it('gives the engine’s bits on wasm and ref, for RGB and RGBA input', async () => {
    // ref (the float64 oracle) is slow: one tile there, six on wasm
    for (const [backend, tile] of [['wasm', 16], ['ref', 32]] as const) {
      const expected = await engineResult(backend, { tile });
      const out = await upscale(model, lr, { ...sampling, tile, backend });
      expect([out.width, out.height]).toEqual([28, 20]);
      expect(out.data).toEqual(expected);
      const rgba = pixels(7, 5, 4, 3);
      for (let i = 0; i < 35; i++) rgba.data.set(lr.data.subarray(i * 3, i * 3 + 3), i * 4);
      expect((await upscale(model, rgba, { ...sampling, tile, backend })).data).toEqual(expected);
    }
  });

  it('reports progress in tile-steps and runs concurrent calls one after the other', async () => {
    const seen: [number, number][] = [];
    const [a, b] = await Promise.all([
      upscale(model, lr, { ...sampling, onProgress: (d, t) => seen.push([d, t]) }),
      upscale(model, lr, { ...sampling, seed: 5 }),
    ]);
    // 28x20 with tile 16, overlap 8: 3 x 2 tiles, 3 steps each
    expect(seen).toEqual(Array.from({ length: 18 }, (_, i) => [i + 1, 18]));
    expect(a.data).toEqual(await engineResult('wasm'));
    expect(b.data).not.toEqual(a.data);
  });

  it('stops at the step where the signal aborts, and the model keeps working', async () => {
    const ac = new AbortController();
    let steps = 0;
    const run = upscale(model, lr, { ...sampling, signal: ac.signal, onProgress: (d) => (steps = d) === 4 && ac.abort() });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(steps).toBe(4);
    await expect(upscale(model, lr, { ...sampling, signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expect((await upscale(model, lr, { ...sampling, backend: 'wasm' })).data).toEqual(await engineResult('wasm'));
  });

  it('checks every option and the image before any work', async () => {
    const bad: [object, RegExp][] = [
      [{ steps: 1 }, /upscale: steps must be an integer from 2 to 15 \(the model's T\), got 1/],
      [{ steps: 16 }, /from 2 to 15/],
      [{ tile: 12 }, /upscale: tile 12, overlap 8: tile size must be a positive multiple of 8/],
      [{ seed: -1 }, /upscale: seed must be a non-negative integer, got -1/],
      [{ threads: 0 }, /upscale: threads must be a positive integer, got 0/],
      [{ backend: 'nope' }, /unknown backend 'nope' \(available: auto, wasm, ref/],
      // the default build is running: an fma request is refused, not silently ignored or sent to ref
      [{ fma: true }, /backend 'wasm' is unavailable: wasm backend: already started without fused multiply-add/],
      [{ fma: true, backend: 'ref' }, /fma applies to the wasm backend only, not 'ref'/],
    ];
    for (const [opts, msg] of bad) await expect(upscale(model, lr, { ...sampling, ...opts })).rejects.toThrow(msg);
    await expect(upscale(model, { width: 7, height: 5, data: new Uint8Array(36) })).rejects.toThrow('upscale: image data has 36 bytes; 7x5 needs 105 (RGB) or 140 (RGBA)');
    await expect(upscale(model, { width: 0, height: 5, data: new Uint8Array(0) })).rejects.toThrow('upscale: image size must be positive integers, got 0x5');
    await expect(upscale({} as Model, lr)).rejects.toThrow('upscale: the first argument must be a Model from loadModel()');
    const gone = await loadModel({ bytes });
    gone.dispose();
    await expect(upscale(gone, lr)).rejects.toThrow('upscale: the model was disposed');
  });
});

describe('upscalePng', () => {
  it('decodes PNG or JPEG, upscales and encodes the same pixels as upscale', async () => {
    const png = encodePng(fromRgb8(lr.data, lr.width, lr.height));
    const out = decodeImage(await upscalePng(model, png, sampling));
    expect(toRgb8(out.image)).toEqual((await upscale(model, lr, sampling)).data);
    const jpeg = readFileSync('test/image/fixtures/gray.jpg');
    const fromJpeg = decodeImage(jpeg).image;
    const one = { ...sampling, tile: 96 };
    const expected = await upscale(model, { width: fromJpeg.width, height: fromJpeg.height, data: toRgb8(fromJpeg) }, one);
    expect(toRgb8(decodeImage(await upscalePng(model, jpeg, one)).image)).toEqual(expected.data);
    await expect(upscalePng(model, new Uint8Array([1, 2, 3]))).rejects.toThrow('image: not a PNG or JPEG file');
  });
});

describe('evaluateModel', () => {
  it('scores as the engine’s evaluation does, from 8-bit pixels', async () => {
    const hr = pixels(16, 16, 3, 11);
    const r = await evaluateModel(model, [{ name: 'a.png', image: hr }], { ...sampling, comparisons: true });
    const ck = checkpointFromBytes(bytes);
    const m = modelFromCheckpoint(ck, 'wasm');
    const core = await evaluateCore(m, [{ name: 'a.png', image: fromRgb8(hr.data, 16, 16) }], { schedule: etaSchedule(ck.meta.diffusion), kappa: 2, ...sampling, comparisons: true });
    m.dispose();
    expect(r).toEqual(core);
    expect(r.comparisons).toHaveLength(1);
  });
});
