import { describe, expect, it } from 'vitest';
import { createImage, sideBySide, type RgbImage } from '../../src/image/index.js';
import { GLYPH_ROWS, hasGlyph } from '../../src/image/font5x7.js';
import { wrapText } from '../../src/image/text.js';

function solid(w: number, h: number, v: number): RgbImage {
  return createImage(w, h, new Float32Array(w * h * 3).fill(v));
}

function pixel(img: RgbImage, x: number, y: number): number[] {
  const o = (y * img.width + x) * 3;
  return Array.from(img.data.subarray(o, o + 3));
}

/** Count of white (ink) pixels in a rectangle. */
function inkIn(img: RgbImage, x0: number, y0: number, w: number, h: number): number {
  let n = 0;
  for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) if (pixel(img, x, y).every((v) => v === 1)) n++;
  return n;
}

describe('sideBySide', () => {
  it('lays panels out left to right under label strips, with gaps', () => {
    const panels = [solid(200, 150, 0.25), solid(200, 150, 0.5), solid(200, 150, 0.75)];
    const out = sideBySide(panels, ['bicubic 24.31 dB / 0.712', 'SR 26.02 dB / 0.801', 'HR']);
    const gap = 4;
    // 1 font pixel per 128 px of panel height; one line of text: padding 2 + 9 rows + 2.
    const strip = 2 + GLYPH_ROWS + 2;
    expect([out.width, out.height]).toEqual([3 * 200 + 2 * gap, strip + 150]);
    for (let i = 0; i < 3; i++) {
      const x0 = i * (200 + gap);
      expect(pixel(out, x0 + 10, strip + 10)).toEqual([0.25 * (i + 1), 0.25 * (i + 1), 0.25 * (i + 1)]);
      expect(pixel(out, x0 + 199, strip + 149)).toEqual(pixel(panels[i], 199, 149));
      expect(inkIn(out, x0, 0, 200, strip)).toBeGreaterThan(20);
      expect(inkIn(out, x0, strip, 200, 150)).toBe(0);
    }
    expect(pixel(out, 201, strip + 5)).toEqual([0.06, 0.06, 0.06].map(Math.fround));
  });

  it('scales the font up on large panels and wraps labels to narrow ones', () => {
    const big = sideBySide([solid(600, 512, 0)], ['SR']);
    const scale = 4; // floor(512 / 128)
    expect(big.height).toBe(512 + scale * (2 + GLYPH_ROWS + 2));
    // 24 characters do not fit 512 px at scale 4, so the font drops to 3 to stay on one line.
    const lowered = sideBySide([solid(512, 512, 0)], ['bicubic 24.31 dB / 0.712']);
    expect(lowered.height).toBe(512 + 3 * (2 + GLYPH_ROWS + 2));
    const narrow = sideBySide([solid(40, 40, 0)], ['bicubic 24.31 dB']);
    // 40 px holds 6 characters per line: words wrap whole, and a longer word is cut.
    expect(wrapText('bicubic 24.31 dB', 6)).toEqual(['bicubi', 'c', '24.31', 'dB']);
    expect(narrow.height).toBeGreaterThan(40 + 3 * 11);
  });

  it('covers the glyphs the labels need', () => {
    for (const ch of '0123456789 .-/|:()%abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ') expect(hasGlyph(ch)).toBe(true);
  });

  it('rejects mismatched labels', () => {
    expect(() => sideBySide([solid(8, 8, 0)], [])).toThrow('sideBySide: 1 images but 0 labels');
    expect(() => sideBySide([], [])).toThrow('sideBySide: no images');
  });
});
