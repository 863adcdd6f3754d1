import { decode as decodeWithFastPng } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { createImage, decodeImage, encodePng, fromRgb8, toRgb16, toRgb8 } from '../../src/image/index.js';
import { BICUBIC_GOLDEN, readBytes, readF32Image } from './helpers.js';

describe('encodePng and the integer <-> float convention', () => {
  it('u8 -> float is numpy float32(u) / float32(255) for all 256 values', () => {
    const f = fromRgb8(Uint8Array.from({ length: 255 * 3 + 3 }, (_, i) => Math.floor(i / 3)), 256, 1).data;
    for (let u = 0; u < 256; u++) {
      // The float32 quotient is correctly rounded: no neighbouring float32 is closer to u/255.
      // f * 255 is exact in double (24 + 8 significant bits), so the comparison is exact too.
      const v = f[u * 3];
      const err = Math.abs(v * 255 - u);
      const up = new Float32Array([v * (1 + 2 ** -23)])[0];
      const down = new Float32Array([v * (1 - 2 ** -24)])[0];
      expect(err).toBeLessThanOrEqual(Math.abs(up * 255 - u));
      expect(err).toBeLessThanOrEqual(Math.abs(down * 255 - u));
    }
    expect(toRgb8(createImage(256, 1, f))).toEqual(Uint8Array.from({ length: 768 }, (_, i) => Math.floor(i / 3)));
  });

  it('golden .f32 values re-quantise to the golden PNG pixels', () => {
    for (const [name, size] of [['hr_64x64', 64], ['lr_16x16', 16], ['y0_64x64', 64]] as const) {
      const f32 = readF32Image(`${name}.f32`, size, size);
      const png = decodeImage(readBytes(`${BICUBIC_GOLDEN}${name}.png`), name).image;
      expect(toRgb8(f32)).toEqual(toRgb8(png));
      expect(png.data).toEqual(f32.data);
    }
  });

  it('clamps to [0, 1], rounds half up, and maps NaN to 0', () => {
    // In [0, 1] only 0.5 lands exactly on a tie (127.5); it goes up.
    const img = createImage(3, 1, Float32Array.from([-0.5, 1.5, NaN, 0.5, 1.4 / 255, 254.6 / 255, 0.2, 0.8, 1]));
    const raw = decodeWithFastPng(encodePng(img));
    expect([raw.width, raw.height, raw.channels, raw.depth]).toEqual([3, 1, 3, 8]);
    expect(Array.from(raw.data)).toEqual([0, 255, 0, 128, 1, 255, 51, 204, 255]);
    expect(Array.from(toRgb16(img).subarray(0, 3))).toEqual([0, 65535, 0]);
  });

  it('writes 16-bit RGB when asked, and refuses other depths', () => {
    const img = createImage(2, 2, new Float32Array(12).fill(0.5));
    const raw = decodeWithFastPng(encodePng(img, { bitDepth: 16 }));
    expect([raw.depth, raw.channels]).toEqual([16, 3]);
    expect(raw.data[0]).toBe(32768);
    expect(() => encodePng(img, { bitDepth: 12 as 8 })).toThrow(/bitDepth must be 8 or 16/);
  });

  it('refuses malformed images', () => {
    const bad = { width: 2, height: 2, channels: 3 as const, data: new Float32Array(5) };
    expect(() => encodePng(bad)).toThrow(/Float32Array of 2x2x3 = 12 values/);
  });
});
