import { describe, expect, it } from 'vitest';
import { decodeImage, resizeBicubic, resizeBicubicU8, toRgb8 } from '../../src/image/index.js';
import { resizeBicubicRegionU8 } from '../../src/image/resize.js';
import { BICUBIC_GOLDEN, FIXTURES, diffStats, fromBase64, lcgBytes, readBytes, readF32Image, readJson } from './helpers.js';

function goldenRgb8(name: string): Uint8Array {
  return toRgb8(decodeImage(readBytes(BICUBIC_GOLDEN + name), name).image);
}

describe('resizeBicubicU8 against Pillow 9.4 Image.resize(BICUBIC)', () => {
  it('reproduces the golden x4 down- and upsample exactly', () => {
    const hr = goldenRgb8('hr_64x64.png');
    const lr = goldenRgb8('lr_16x16.png');
    const y0 = goldenRgb8('y0_64x64.png');
    const lrDiff = diffStats(resizeBicubicU8(hr, 64, 64, 16, 16), lr);
    const y0Diff = diffStats(resizeBicubicU8(lr, 16, 16, 64, 64), y0);
    console.log(
      `bicubic golden: LR max diff ${lrDiff.max} (${lrDiff.count} samples differ), ` +
        `y0 max diff ${y0Diff.max} (${y0Diff.count} differ)`,
    );
    expect(lrDiff).toEqual({ max: 0, count: 0 });
    expect(y0Diff).toEqual({ max: 0, count: 0 });
  });

  it('the float wrapper reproduces the golden .f32 arrays bit for bit', () => {
    const hr = readF32Image('hr_64x64.f32', 64, 64);
    const lr = resizeBicubic(hr, 16, 16);
    expect(lr.data).toEqual(readF32Image('lr_16x16.f32', 16, 16).data);
    expect(resizeBicubic(lr, 64, 64).data).toEqual(readF32Image('y0_64x64.f32', 64, 64).data);
  });

  interface Case { seed: number; kind: string; w: number; h: number; outW: number; outH: number; expected: string }
  const { resize } = readJson<{ resize: Case[] }>(FIXTURES + 'pillow-bicubic.json');
  it.each(resize.map((c) => [`${c.kind} ${c.w}x${c.h} -> ${c.outW}x${c.outH}`, c] as const))(
    'matches Pillow exactly: %s',
    (_, c) => {
      let input = lcgBytes(c.seed, c.w * c.h * 3);
      if (c.kind === 'binary') input = input.map((v) => (v > 127 ? 255 : 0));
      const got = resizeBicubicU8(input, c.w, c.h, c.outW, c.outH);
      expect(diffStats(got, fromBase64(c.expected))).toEqual({ max: 0, count: 0 });
    },
  );

  it('is a copy when the size does not change, and works per channel count', () => {
    const px = lcgBytes(7, 5 * 4 * 3);
    const same = resizeBicubicU8(px, 5, 4, 5, 4);
    expect(same).toEqual(px);
    expect(same).not.toBe(px);
    const grey = lcgBytes(9, 6 * 6);
    const g = resizeBicubicU8(grey, 6, 6, 3, 9, 1);
    const rgb = resizeBicubicU8(new Uint8Array([...grey].flatMap((v) => [v, v, v])), 6, 6, 3, 9);
    expect([...rgb].filter((_, i) => i % 3 === 0)).toEqual([...g]);
  });

  it('rejects bad sizes with a clear message', () => {
    expect(() => resizeBicubicU8(new Uint8Array(12), 2, 2, 0, 4)).toThrow(/output width must be a positive integer/);
    expect(() => resizeBicubicU8(new Uint8Array(11), 2, 2, 4, 4)).toThrow(/11 samples, 2x2x3 needs 12/);
  });
});

describe('resizeBicubicRegionU8: a window of the resize, from the source pixels its taps reach', () => {
  /** Rows [y, y + h) and columns [x, x + w) of an HWC image `width` wide. */
  function crop(px: Uint8Array, width: number, c: number, x: number, y: number, w: number, h: number): Uint8Array {
    const out = new Uint8Array(w * h * c);
    for (let i = 0; i < h; i++) out.set(px.subarray(((y + i) * width + x) * c, ((y + i) * width + x + w) * c), i * w * c);
    return out;
  }

  it('equals the same window of the whole resize, bit for bit, at the edges and inside', () => {
    // x4 up (the upscale's y0), down with antialiasing, odd ratios, one pass skipped, one channel
    const cases = [[13, 7, 52, 28, 3], [40, 30, 13, 11, 3], [9, 11, 23, 5, 3], [10, 6, 10, 24, 3], [10, 6, 37, 6, 3], [7, 5, 28, 20, 1], [1, 1, 4, 4, 3]];
    for (const [w, h, outW, outH, c] of cases) {
      const src = lcgBytes(w * 31 + h, w * h * c);
      const whole = resizeBicubicU8(src, w, h, outW, outH, c);
      const windows = [[0, 0, outW, outH], [0, 0, 1, 1], [outW - 1, outH - 1, 1, 1], [0, outH - 3, outW, 3], [Math.floor(outW / 3), Math.floor(outH / 4), Math.ceil(outW / 2), Math.ceil(outH / 2)]]
        .map(([x, y, rw, rh]) => [x, y, Math.max(1, Math.min(rw, outW - x)), Math.max(1, Math.min(rh, outH - y))]);
      for (const [x, y, rw, rh] of windows) {
        const got = resizeBicubicRegionU8(src, w, h, outW, outH, { x, y, w: rw, h: rh }, c);
        expect(got, `${w}x${h} -> ${outW}x${outH}, ${rw}x${rh} at (${x}, ${y})`).toEqual(crop(whole, outW, c, x, y, rw, rh));
      }
    }
  });

  it('reads only the source rows and columns its taps reach', () => {
    // changing a source pixel far from the window leaves the window alone
    const [w, h] = [32, 24];
    const src = lcgBytes(5, w * h * 3);
    const region = { x: 8, y: 8, w: 16, h: 12 }; // output columns 8..23 read source columns 0..7 at most
    const before = resizeBicubicRegionU8(src, w, h, 128, 96, region);
    const far = src.slice();
    for (let y = 0; y < h; y++) for (let x = 12; x < w; x++) far[(y * w + x) * 3] ^= 0xff;
    expect(resizeBicubicRegionU8(far, w, h, 128, 96, region)).toEqual(before);
  });

  it('rejects a region outside the output', () => {
    const src = lcgBytes(1, 4 * 4 * 3);
    expect(() => resizeBicubicRegionU8(src, 4, 4, 16, 16, { x: 8, y: 0, w: 9, h: 1 })).toThrow(/region 9x1 at \(8, 0\) is not inside the 16x16 output/);
    expect(() => resizeBicubicRegionU8(src, 4, 4, 16, 16, { x: 0, y: 0, w: 0, h: 1 })).toThrow(/not inside/);
    expect(() => resizeBicubicRegionU8(src, 4, 4, 16, 16, { x: -1, y: 0, w: 2, h: 1 })).toThrow(/not inside/);
  });
});
