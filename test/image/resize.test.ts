import { describe, expect, it } from 'vitest';
import { decodeImage, resizeBicubic, resizeBicubicU8, toRgb8 } from '../../src/image/index.js';
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
