import { afterAll, describe, expect, it } from 'vitest';
import { toRgb8 } from '../../src/image/quantize.js';
import { resizeBicubic, resizeBicubicU8 } from '../../src/image/resize.js';
import { createImage, type RgbImage } from '../../src/image/types.js';
import { DualDomainUNet } from '../../src/resshift/model.js';
import { respace, respacedTimesteps } from '../../src/resshift/respace.js';
import { etaSchedule } from '../../src/resshift/schedule.js';
import { extractTile, planTiles } from '../../src/resshift/tiling.js';
import { bicubicTile, superResolve, tileSteps, upscaleImage, upscaleRows, upscaleRowsWith, type Rgb8Image } from '../../src/resshift/upscale.js';
import type { Tensor } from '../../src/tensor/index.js';
import { Rng } from '../../src/tensor/rng.js';

const model = new DualDomainUNet({ baseChannels: 4 }, { rng: new Rng(1) });
afterAll(() => model.dispose());
const schedule = etaSchedule();
const base = { schedule, kappa: 2, seed: 3 };
const lr = createImage(3, 2, new Rng(9).fillUniform(new Float32Array(3 * 2 * 3), 0, 1));

describe('respacing', () => {
  it('keeps timesteps spread evenly over 1..T, 1 and T included', () => {
    expect(respacedTimesteps(15, 15)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect(respacedTimesteps(15, 5)).toEqual([1, 5, 8, 12, 15]);
    expect(respacedTimesteps(15, 2)).toEqual([1, 15]);
    for (let s = 2; s <= 15; s++) expect(new Set(respacedTimesteps(15, s)).size).toBe(s);
    expect(() => respacedTimesteps(15, 1)).toThrow(/from 2 to 15/);
    expect(() => respacedTimesteps(15, 16)).toThrow(/from 2 to 15/);
  });

  it('builds the schedule from the kept etas and gives the network the original timesteps', async () => {
    const sp = respace(schedule, 4);
    expect(sp.timesteps).toEqual([1, 6, 10, 15]);
    expect(Array.from(sp.schedule.eta)).toEqual([0, ...[1, 6, 10, 15].map((t) => schedule.eta[t])]);
    expect(sp.schedule.sqrtEta[4]).toBe(schedule.sqrtEta[15]);

    const seen: number[] = [];
    const forward = model.forward.bind(model);
    model.forward = (x: Tensor, y: Tensor, t: Tensor) => (seen.push(...t.dataSync()), forward(x, y, t));
    let steps = 0;
    try {
      await superResolve(model, createImage(8, 8), { ...base, steps: 4, onProgress: () => steps++ });
    } finally {
      model.forward = forward;
    }
    expect(seen).toEqual([15, 10, 6, 1]);
    expect(steps).toBe(4);
    expect(tileSteps(8, 8, { schedule, steps: 4 })).toBe(4);
  });

  it('all T steps is the plain process', () => {
    const sp = respace(schedule, 15);
    expect(sp.schedule).toBe(schedule);
    expect(sp.timesteps).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
  });
});

describe('upscaleImage', () => {
  it('is superResolve of the Pillow-exact bicubic x4 upsample, 4x larger, in [0, 1]', async () => {
    const out = await upscaleImage(model, lr, base);
    expect([out.width, out.height]).toEqual([12, 8]);
    expect(out.data.every((v) => v >= 0 && v <= 1)).toBe(true);
    const ref = await superResolve(model, resizeBicubic(lr, 12, 8), base);
    expect(out.data).toEqual(ref.data);
  });
});

/** An 8-bit source and the same pixels as a float image (what the decoder gives). */
function source(w: number, h: number, seed: number): { lr8: Rgb8Image; lr: RgbImage } {
  const data = new Uint8Array(w * h * 3);
  const rng = new Rng(seed);
  const noise = rng.fillUniform(new Float32Array(data.length), 0, 64);
  // smooth gradients plus noise: bicubic overshoot clips at both ends somewhere
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) {
    const i = (y * w + x) * 3 + c;
    data[i] = Math.min(255, Math.floor(((x * 255) / w + (y * 97 * (c + 1)) / h + noise[i]) % 256));
  }
  return { lr8: { width: w, height: h, data }, lr: createImage(w, h, Float32Array.from(data, (u) => u / 255)) };
}

/** The rows upscaleRows hands out, gathered into one HWC byte image. */
async function gather(w: number, h: number, stream: (onRow: (y: number, rgb: Uint8Array) => void) => Promise<void>): Promise<Uint8Array> {
  const out = new Uint8Array(w * h * 3);
  const seen: number[] = [];
  await stream((y, rgb) => {
    seen.push(y);
    out.set(rgb, y * w * 3);
  });
  expect(seen).toEqual(Array.from({ length: h }, (_, y) => y));
  return out;
}

describe('streamed upscale', () => {
  it('bicubicTile is the tile of the whole bicubic x4 in model space, edge and margin tiles included', () => {
    const { lr8, lr } = source(13, 7, 4);
    const y0 = resizeBicubic(lr, 52, 28);
    const planar = new Float32Array(3 * 52 * 28);
    for (let i = 0; i < 52 * 28; i++) for (let c = 0; c < 3; c++) planar[c * 52 * 28 + i] = y0.data[i * 3 + c] * 2 - 1;
    // the frame is 56 x 32: the last tile row and column reach into the reflected margin
    const layout = planTiles(28, 52, { tile: 16, overlap: 8 });
    expect(layout.tiles.length).toBeGreaterThan(6);
    for (const tile of layout.tiles) expect(bicubicTile(lr8, tile)).toEqual(extractTile(planar, 3, 28, 52, tile));
    // a tile far larger than the image reflects more than once
    expect(bicubicTile(lr8, { y: 0, x: 0, h: 64, w: 64 })).toEqual(extractTile(planar, 3, 28, 52, { y: 0, x: 0, h: 64, w: 64 }));
  });

  it('with the sampler, equals the whole-image path bit for bit: several tile rows and columns, edge tiles, a non-square image', async () => {
    const { lr8, lr } = source(11, 7, 5);
    const opts = { ...base, tile: 16, overlap: 8, steps: 3 };
    const layout = planTiles(28, 44, opts);
    expect([layout.rows.starts.length, layout.cols.starts.length]).toEqual([3, 5]);
    expect([layout.frameH, layout.frameW]).toEqual([32, 48]);
    let streamedSteps = 0;
    const streamed = await gather(44, 28, (onRow) => upscaleRows(model, lr8, { ...opts, onProgress: () => streamedSteps++ }, onRow));
    expect(streamedSteps).toBe(layout.tiles.length * 3);
    const whole = toRgb8(await upscaleImage(model, lr, opts));
    expect(streamed).toEqual(whole);
  });

  it('with tiles returning their own y0, hands out the bicubic x4 itself: rows in order, any size', async () => {
    for (const [w, h, tile, overlap] of [[17, 5, 24, 8], [3, 2, 256, 32], [40, 31, 64, 16]]) {
      const { lr8 } = source(w, h, w + h);
      const rows = await gather(4 * w, 4 * h, (onRow) => upscaleRowsWith(lr8, { tile, overlap }, async (px) => px, onRow));
      expect(rows).toEqual(resizeBicubicU8(lr8.data, w, h, 4 * w, 4 * h));
    }
  });

  it('rejects a malformed source', async () => {
    await expect(upscaleRowsWith({ width: 2, height: 2, data: new Uint8Array(11) }, {}, async (px) => px, () => undefined)).rejects.toThrow(/Uint8Array of 2x2x3 = 12 bytes/);
  });
});
