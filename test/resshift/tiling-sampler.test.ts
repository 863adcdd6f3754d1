import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImage, type RgbImage } from '../../src/image/types.js';
import { DualDomainUNet } from '../../src/resshift/model.js';
import { sample } from '../../src/resshift/sampler.js';
import { etaSchedule } from '../../src/resshift/schedule.js';
import { extractTile, planTiles } from '../../src/resshift/tiling.js';
import { superResolve } from '../../src/resshift/upscale.js';
import { setBackend, tensor } from '../../src/tensor/index.js';
import { Rng } from '../../src/tensor/rng.js';
import { setupWasm } from '../backends/wasm-support.js';
import { liveBuffers } from '../support/engine.js';

// Tiled sampling with a width-4 model on the wasm backend (the exactness claims hold on any backend;
// wasm keeps the file fast).

let model: DualDomainUNet;
beforeAll(async () => {
  await setupWasm(2);
  setBackend('wasm');
  model = new DualDomainUNet({ baseChannels: 4 }, { rng: new Rng(1) });
});
afterAll(() => model.dispose());
const schedule = etaSchedule();
const base = { schedule, kappa: 2, seed: 11 };

function randomImage(w: number, h: number, seed = 3): RgbImage {
  return createImage(w, h, new Rng(seed).fillUniform(new Float32Array(w * h * 3), 0, 1));
}

/** HWC [0, 1] -> planar [-1, 1], as superResolve feeds the model. */
function planar(im: RgbImage): Float32Array {
  const n = im.width * im.height;
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) out[c * n + i] = im.data[i * 3 + c] * 2 - 1;
  return out;
}

/** The sampler on one tile of y0 alone, at its place in the frame, mapped back to [0, 1] HWC order. */
async function sampleTile(y0: RgbImage, layout: ReturnType<typeof planTiles>, k: number): Promise<(y: number, x: number, c: number) => number> {
  const t = layout.tiles[k];
  const x = tensor(extractTile(planar(y0), 3, y0.height, y0.width, t), [1, 3, t.h, t.w]);
  const out = await sample(model, x, base, { fullH: layout.frameH, fullW: layout.frameW, y: t.y, x: t.x });
  const v = out.dataSync();
  x.dispose();
  out.dispose();
  return (y, xx, c) => {
    const r = (v[(c * t.h + y - t.y) * t.w + xx - t.x] + 1) / 2;
    return Math.fround(r < 0 ? 0 : r > 1 ? 1 : r);
  };
}

describe('tiled sampling', () => {
  it('a pixel covered by one tile gets exactly what that tile alone gives; elsewhere a mix of the covering tiles', async () => {
    const y0 = randomImage(40, 36);
    const opts = { ...base, tile: 24, overlap: 8 };
    const layout = planTiles(36, 40, opts);
    expect(layout.tiles).toHaveLength(4);
    const out = await superResolve(model, y0, opts);
    const alone = await Promise.all(layout.tiles.map((_, k) => sampleTile(y0, layout, k)));
    let single = 0;
    let mixed = 0;
    for (let y = 0; y < 36; y++) for (let x = 0; x < 40; x++) for (let c = 0; c < 3; c++) {
      const own = layout.tiles.flatMap((t, k) => (y >= t.y && y < t.y + t.h && x >= t.x && x < t.x + t.w ? [alone[k](y, x, c)] : []));
      const v = out.data[(y * 40 + x) * 3 + c];
      if (own.length === 1) {
        if (v !== own[0]) expect.fail(`(${x}, ${y}, ${c}): ${v} vs the tile's ${own[0]}`);
        single++;
      } else {
        if (v < Math.min(...own) - 1e-6 || v > Math.max(...own) + 1e-6) expect.fail(`(${x}, ${y}, ${c}): ${v} outside [${own}]`);
        mixed++;
      }
    }
    expect(single).toBeGreaterThan(0);
    expect(mixed).toBeGreaterThan(0);
  });

  it('an image smaller than a tile, of odd size: one sampler run on the reflection-padded frame, cropped', async () => {
    const y0 = randomImage(20, 12, 5);
    const out = await superResolve(model, y0, { ...base, tile: 256 });
    expect([out.width, out.height]).toEqual([20, 12]);
    const layout = planTiles(12, 20, { tile: 256 });
    expect(layout.tiles).toEqual([{ y: 0, x: 0, h: 16, w: 24 }]);
    const whole = await sampleTile(y0, layout, 0);
    for (let y = 0; y < 12; y++) for (let x = 0; x < 20; x++) for (let c = 0; c < 3; c++) {
      if (out.data[(y * 20 + x) * 3 + c] !== whole(y, x, c)) expect.fail(`(${x}, ${y}, ${c}) differs`);
    }
    const tiny = await superResolve(model, randomImage(4, 4), { ...base });
    expect([tiny.width, tiny.height]).toEqual([4, 4]);
    expect(tiny.data.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('the same seed gives bit-identical output, another seed another one; progress counts tiles x steps; no leaks', async () => {
    const y0 = randomImage(24, 20, 7);
    const opts = { ...base, tile: 16, overlap: 8 };
    let last = 0;
    let calls = 0;
    const a = await superResolve(model, y0, { ...opts, onProgress: (done, total) => ((last = total), calls++, expect(done).toBe(calls)) });
    const tiles = planTiles(20, 24, opts).tiles.length;
    expect(tiles).toBe(4);
    expect([calls, last]).toEqual([tiles * 15, tiles * 15]);
    const before = liveBuffers();
    const b = await superResolve(model, y0, opts);
    expect(liveBuffers()).toBe(before);
    expect(b.data).toEqual(a.data);
    const c = await superResolve(model, y0, { ...opts, seed: 12 });
    expect(c.data).not.toEqual(a.data);
  });

  it('no seam on a constant image: steps across tile borders are no larger than steps inside tiles', async () => {
    const [W, H] = [64, 24];
    const y0 = createImage(W, H, new Float32Array(W * H * 3).fill(0.4));
    // mean |step| between columns x and x + 1 at the tile borders, and the median elsewhere
    const seams = async (overlap: number) => {
      const opts = { ...base, tile: 24, overlap };
      const layout = planTiles(H, W, opts);
      const out = await superResolve(model, y0, opts);
      const step = (x: number) => {
        let s = 0;
        for (let y = 0; y < H; y++) for (let c = 0; c < 3; c++) s += Math.abs(out.data[(y * W + x + 1) * 3 + c] - out.data[(y * W + x) * 3 + c]);
        return s / (H * 3);
      };
      const steps = Array.from({ length: W - 1 }, (_, x) => step(x));
      const borders = new Set(layout.cols.starts.flatMap((s) => [s - 1, s + layout.cols.size - 1]).filter((x) => x >= 0 && x < W - 1));
      const inside = steps.filter((_, x) => !borders.has(x)).sort((p, q) => p - q);
      return { worst: Math.max(...[...borders].map((x) => steps[x])), typical: inside[Math.floor(inside.length / 2)] };
    };
    const blended = await seams(8);
    expect(blended.worst).toBeLessThanOrEqual(2 * blended.typical);
    // the measure does see a seam: abutting tiles (no overlap) show one at their border
    const cut = await seams(0);
    expect(cut.worst).toBeGreaterThan(2 * cut.typical);
  });
});
