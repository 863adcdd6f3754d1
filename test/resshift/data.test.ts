import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resizeBicubicU8 } from '../../src/image/resize.js';
import { DatasetError, ImageSet, resolveDatasetDirs } from '../../src/resshift/data.js';
import { drawBatch, epochOrder, epochRngs } from '../../src/resshift/train-batch.js';
import { tempDir, writeImages } from './train-fixtures.js';

const tmp = tempDir('data');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const data = writeImages(join(tmp, 'imgs'));

describe('dataset folders', () => {
  it('finds the reference layout, else takes the folder itself', async () => {
    const root = join(tmp, 'DIV2K');
    writeImages(join(root, 'train', 'HR'), [[16, 16]]);
    expect(await resolveDatasetDirs(root)).toEqual({ train: join(root, 'train', 'HR'), valid: undefined });
    writeImages(join(root, 'valid', 'HR'), [[16, 16]]);
    expect(await resolveDatasetDirs(root)).toEqual({ train: join(root, 'train', 'HR'), valid: join(root, 'valid', 'HR') });
    expect(await resolveDatasetDirs(root, data)).toEqual({ train: join(root, 'train', 'HR'), valid: data });
    expect(await resolveDatasetDirs(data)).toEqual({ train: data, valid: undefined });
    await expect(resolveDatasetDirs(join(tmp, 'missing'))).rejects.toThrow(/missing: no such folder/);
    await expect(resolveDatasetDirs(join(data, 'im0.png'))).rejects.toThrow(/im0\.png: not a folder/);
  });

  it('one-line errors for an empty folder and a corrupt image (named)', async () => {
    mkdirSync(join(tmp, 'empty'));
    await expect(ImageSet.load(join(tmp, 'empty'), { crop: 16 })).rejects.toThrow(DatasetError);
    await expect(ImageSet.load(join(tmp, 'empty'), { crop: 16 })).rejects.toThrow(/no PNG, JPEG or WebP images in .*empty/);
    const bad = writeImages(join(tmp, 'bad'), [[16, 16]]);
    writeFileSync(join(bad, 'zz.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
    await expect(ImageSet.load(bad, { crop: 16 })).rejects.toThrow(/zz\.jpg/);
  });
});

describe('ImageSet and batches', () => {
  it('upsamples an image smaller than the crop (one warning naming it) and caches within the budget', async () => {
    const warnings: string[] = [];
    const set = await ImageSet.load(data, { crop: 16, onWarning: (w) => warnings.push(w) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/im3\.png: 12x10 is smaller than the 16px crop; upsampled \(bicubic\)/);
    expect(set.images.map((im) => [im.width, im.height])).toEqual([[40, 36], [36, 40], [48, 32], [20, 16]]);
    expect(set.cachedCount).toBe(4);
    expect(set.cachedBytes).toBe(set.totalBytes);
    const partial = await ImageSet.load(data, { crop: 16, cacheBytes: 40 * 36 * 3 + 36 * 40 * 3 });
    expect(partial.cachedCount).toBe(2);
    expect(partial.fingerprint()).toBe(set.fingerprint());
    for (let i = 0; i < set.length; i++) expect(Buffer.from(await partial.pixels(i)).equals(Buffer.from(await set.pixels(i)))).toBe(true);
  });

  it('draws the same batch whatever the cache, with x0 in [-1, 1] and y0 = bicubic up(down(x0))', async () => {
    const a = await ImageSet.load(data, { crop: 16 });
    const b = await ImageSet.load(data, { crop: 16, cacheBytes: 0 });
    const order = epochOrder(7, 3, a.length);
    expect([...order].sort()).toEqual([0, 1, 2, 3]);
    expect(epochOrder(7, 3, 4)).toEqual(order);
    expect([0, 1, 2, 4, 5].some((e) => epochOrder(7, e, 4).join() !== order.join())).toBe(true);
    const [ba, bb] = [await drawBatch(a, order, 1, 3, 15, epochRngs(7, 3)), await drawBatch(b, order, 1, 3, 15, epochRngs(7, 3))];
    expect(ba.size).toBe(1); // the last batch keeps the remainder
    expect(ba).toEqual(bb);
    const full = await drawBatch(a, order, 0, 3, 15, epochRngs(7, 3));
    expect(full.t.every((t) => Number.isInteger(t) && t >= 1 && t <= 15)).toBe(true);
    expect(Math.min(...full.x0)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...full.x0)).toBeLessThanOrEqual(1);
    // undo the [-1, 1] mapping of item 0 and degrade it again
    const c = 16;
    const hwc = new Uint8Array(c * c * 3);
    for (let p = 0; p < c * c; p++) for (let k = 0; k < 3; k++) hwc[p * 3 + k] = Math.round(((full.x0[k * c * c + p] + 1) / 2) * 255);
    const y0 = resizeBicubicU8(resizeBicubicU8(hwc, c, c, 4, 4), 4, 4, c, c);
    for (let p = 0; p < c * c; p++) for (let k = 0; k < 3; k++) expect(full.y0[k * c * c + p]).toBe(Math.fround(Math.fround(y0[p * 3 + k] / 255) * 2 - 1));
  });

  it('keeps only centre crops for validation', async () => {
    const v = await ImageSet.load(data, { crop: 16, centreOnly: true });
    expect(v.images.every((im) => im.width === 16 && im.height === 16 && im.pixels!.length === 16 * 16 * 3)).toBe(true);
    const full = await ImageSet.load(data, { crop: 16 });
    const src = full.images[0];
    const top = (36 - 16) >> 1;
    const left = (40 - 16) >> 1;
    expect(Buffer.from(v.images[0].pixels!.subarray(0, 48)).equals(Buffer.from(src.pixels!.subarray((top * 40 + left) * 3, (top * 40 + left + 16) * 3)))).toBe(true);
  });
});
