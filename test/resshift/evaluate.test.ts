import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImageFile } from '../../src/image/files.js';
import { createImage, type RgbImage } from '../../src/image/types.js';
import { evaluateModel, prepareHr } from '../../src/resshift/evaluate.js';
import { DualDomainUNet } from '../../src/resshift/model.js';
import { etaSchedule } from '../../src/resshift/schedule.js';
import { setBackend } from '../../src/tensor/index.js';
import { Rng } from '../../src/tensor/rng.js';
import { setupWasm } from '../backends/wasm-support.js';

const GOLDEN = '../shared/golden/bicubic';
const golden = JSON.parse(readFileSync(`${GOLDEN}/metrics.json`, 'utf8')) as { psnr_rgb: number; ssim_rgb: number; psnr_y_bt601_shave4: number };

let model: DualDomainUNet;
let hr: RgbImage;
beforeAll(async () => {
  await setupWasm(2);
  setBackend('wasm');
  model = new DualDomainUNet({ baseChannels: 4 }, { rng: new Rng(1) });
  hr = (await readImageFile(`${GOLDEN}/hr_64x64.png`)).image;
});
afterAll(() => model.dispose());
const opts = { schedule: etaSchedule(), kappa: 2, seed: 5 };

function mirrored(im: RgbImage): RgbImage {
  const out = createImage(im.width, im.height);
  for (let y = 0; y < im.height; y++) for (let x = 0; x < im.width; x++) {
    out.data.set(im.data.subarray((y * im.width + x) * 3, (y * im.width + x) * 3 + 3), (y * im.width + im.width - 1 - x) * 3);
  }
  return out;
}

describe('prepareHr', () => {
  it('crops the centre as the golden files do (floor), then trims right and bottom to a multiple of 4', () => {
    const im = createImage(70, 67, Float32Array.from({ length: 70 * 67 * 3 }, (_, i) => i / (70 * 67 * 3)));
    const c = prepareHr(im, 62);
    expect([c.width, c.height]).toEqual([60, 60]);
    // left = floor((70 - 62) / 2) = 4, top = floor((67 - 62) / 2) = 2
    expect(c.data[0]).toBe(im.data[(2 * 70 + 4) * 3]);
    const whole = prepareHr(im);
    expect([whole.width, whole.height]).toEqual([68, 64]);
    expect(whole.data.subarray(0, 68 * 3)).toEqual(im.data.subarray(0, 68 * 3));
    expect(prepareHr(hr, 64)).toBe(hr);
    expect(() => prepareHr(createImage(40, 10), undefined, 'thin.png')).toThrow(/^thin\.png: 40x10 leaves 40x8; evaluation needs at least 12x12/);
  });
});

describe('evaluateModel', () => {
  it('scores bicubic as scikit-image does on the golden crop; SR scores are finite, deterministic; means and gain', async () => {
    const images = [{ name: 'hr', image: hr }, { name: 'mirrored', image: mirrored(hr) }];
    const seen: string[] = [];
    let last = [0, 0];
    const r = await evaluateModel(model, images, { ...opts, crop: 64, tile: 64, comparisons: true, onImage: (m, i, n) => seen.push(`${m.name} ${i}/${n}`), onProgress: (d, t) => (last = [d, t]) });
    expect(seen).toEqual(['hr 0/2', 'mirrored 1/2']);
    expect(last).toEqual([30, 30]);
    const b = r.images[0].bicubic;
    expect(Math.abs(b.psnr - golden.psnr_rgb)).toBeLessThan(1e-6);
    expect(Math.abs(b.ssim - golden.ssim_rgb)).toBeLessThan(1e-5);
    expect(Math.abs(b.psnrY - golden.psnr_y_bt601_shave4)).toBeLessThan(1e-5);
    for (const m of r.images) {
      expect([m.width, m.height]).toEqual([64, 64]);
      for (const v of [...Object.values(m.sr), ...Object.values(m.gain)]) expect(Number.isFinite(v)).toBe(true);
      expect(m.gain.psnr).toBe(m.sr.psnr - m.bicubic.psnr);
    }
    expect(r.mean.sr.ssim).toBeCloseTo((r.images[0].sr.ssim + r.images[1].sr.ssim) / 2, 12);
    expect(r.mean.gain.psnrY).toBe(r.mean.sr.psnrY - r.mean.bicubic.psnrY);
    // bicubic | SR | HR with a label strip above
    expect(r.comparisons!.map((c) => c.name)).toEqual(['hr', 'mirrored']);
    const panel = r.comparisons![0].image;
    expect(panel.width).toBe(3 * 64 + 2 * 4);
    expect(panel.height).toBeGreaterThan(64);

    const again = await evaluateModel(model, images.slice(0, 1), { ...opts, crop: 64, tile: 64 });
    expect(again.images[0]).toEqual(r.images[0]);
    expect(again.comparisons).toBeUndefined();
  });

  it('tiles an image larger than the tile and rejects bad input before sampling', async () => {
    let calls = 0;
    const r = await evaluateModel(model, [{ name: 'hr', image: hr }], { ...opts, crop: 40, tile: 24, overlap: 8, steps: 2, onProgress: () => calls++ });
    expect([r.images[0].width, r.images[0].height]).toEqual([40, 40]);
    expect(calls).toBe(4 * 2);
    await expect(evaluateModel(model, [{ name: 'ok', image: hr }, { name: 'tiny.png', image: createImage(8, 8) }], { ...opts, onProgress: () => calls++ })).rejects.toThrow(/tiny\.png/);
    expect(calls).toBe(8);
    await expect(evaluateModel(model, [], opts)).rejects.toThrow(/no images/);
    await expect(evaluateModel(model, [{ name: 'hr', image: hr }], { ...opts, crop: 5 })).rejects.toThrow(/crop/);
  });
});
