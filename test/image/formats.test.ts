// JPEG and WebP output, WebP input (files.ts with the codec's wasm read from disk).
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeImageRgb8, formatOfName, listImages, readImageFile, writeImageFile } from '../../src/image/files.js';
import { createImage, encodeJpeg, sniffFormat } from '../../src/image/index.js';
import { toRgb8 } from '../../src/image/quantize.js';
import { webpHeader } from '../../src/image/webp.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'resshift-formats-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A smooth 40x24 gradient: lossy codecs keep it within a few levels. */
function gradient(w = 40, h = 24) {
  const data = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set([x / w, y / h, 0.5], (y * w + x) * 3);
  return createImage(w, h, data);
}

function maxDiff(a: Uint8Array, b: Uint8Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('image formats', () => {
  it('formats by file name', () => {
    expect(['a.png', 'b.JPG', 'c.jpeg', 'd.WebP', 'e.tiff', 'f'].map(formatOfName)).toEqual(['png', 'jpeg', 'jpeg', 'webp', undefined, undefined]);
  });

  it('JPEG: writeImageFile by extension, quality changes the size, reads back close', async () => {
    const img = gradient();
    const path = join(dir, 'g.jpg');
    await writeImageFile(path, img, { quality: 95 });
    const bytes = new Uint8Array(await readFile(path));
    expect(sniffFormat(bytes)).toBe('jpeg');
    const back = await readImageFile(path);
    expect([back.image.width, back.image.height]).toEqual([40, 24]);
    expect(maxDiff(toRgb8(back.image), toRgb8(img))).toBeLessThan(12);
    expect(encodeJpeg(img, { quality: 10 }).length).toBeLessThan(encodeJpeg(img, { quality: 95 }).length);
    expect(() => encodeJpeg(img, { quality: 0 })).toThrow(/quality must be an integer from 1 to 100/);
  });

  it('WebP: written, its header read, decoded back close; listed with PNG and JPEG', async () => {
    const img = gradient();
    const path = join(dir, 'g.webp');
    await writeImageFile(path, img, { quality: 95 });
    const bytes = new Uint8Array(await readFile(path));
    expect(webpHeader(bytes)).toEqual({ width: 40, height: 24, animated: false });
    const back = await readImageFile(path);
    expect([back.image.width, back.image.height]).toEqual([40, 24]);
    expect(back.warnings).toEqual([]);
    expect(maxDiff(toRgb8(back.image), toRgb8(img))).toBeLessThan(16);
    expect(await listImages(dir)).toEqual([join(dir, 'g.jpg'), join(dir, 'g.webp')]);
    expect((await readdir(dir)).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('WebP: corrupt, truncated, animated and oversized files are one line naming the file', async () => {
    const good = await encodeImageRgb8(toRgb8(gradient()), 40, 24, 'webp', 80);
    const cut = join(dir, 'cut.webp');
    await writeFile(cut, good.subarray(0, good.length - 20));
    await expect(readImageFile(cut)).rejects.toThrow(new RegExp(`^${cut}: corrupt or truncated WebP`));
    const junk = join(dir, 'junk.webp');
    await writeFile(junk, Uint8Array.from([...new TextEncoder().encode('RIFF\0\0\0\0WEBPXXXX'), ...new Uint8Array(30)]));
    await expect(readImageFile(junk)).rejects.toThrow(`${junk}: corrupt or unsupported WebP (no readable VP8, VP8L or VP8X header)`);
    // a VP8X header declaring an animation, and one declaring 16384 x 16384
    const vp8x = (flags: number, w: number, h: number) => {
      const b = new Uint8Array(40);
      b.set(new TextEncoder().encode('RIFF'), 0);
      b.set(new TextEncoder().encode('WEBPVP8X'), 8);
      b[16] = 10;
      b[20] = flags;
      b.set([(w - 1) & 255, ((w - 1) >> 8) & 255, (w - 1) >> 16, (h - 1) & 255, ((h - 1) >> 8) & 255, (h - 1) >> 16], 24);
      return b;
    };
    const anim = join(dir, 'anim.webp');
    await writeFile(anim, vp8x(0x02, 10, 10));
    await expect(readImageFile(anim)).rejects.toThrow(`${anim}: animated WebP is not supported`);
    const huge = join(dir, 'huge.webp');
    await writeFile(huge, vp8x(0, 16384, 16384));
    await expect(readImageFile(huge)).rejects.toThrow(/huge\.webp: image is 16384x16384/);
  });

  it('transparent WebP pixels: alpha dropped with a warning', async () => {
    const { encodeWebpRgba } = await import('../../src/image/webp.js');
    const rgba = new Uint8Array(8 * 8 * 4).fill(200);
    rgba[3] = 0;
    const path = join(dir, 'alpha.webp');
    await writeFile(path, await encodeWebpRgba(rgba, 8, 8, 100));
    expect((await readImageFile(path)).warnings).toEqual([`${path}: alpha channel dropped (the image has transparent pixels)`]);
  });
});
