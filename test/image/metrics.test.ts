import { describe, expect, it } from 'vitest';
import { createImage, fromRgb8, mse, psnr, psnrY, ssim } from '../../src/image/index.js';
import { BICUBIC_GOLDEN, FIXTURES, fromBase64, readF32Image, readJson } from './helpers.js';

interface GoldenMetrics { psnr_rgb: number; ssim_rgb: number; psnr_y_bt601_shave4: number; mse_rgb: number }

describe('metrics against scikit-image 0.19', () => {
  const hr = readF32Image('hr_64x64.f32', 64, 64);
  const y0 = readF32Image('y0_64x64.f32', 64, 64);
  const golden = readJson<GoldenMetrics>(BICUBIC_GOLDEN + 'metrics.json');

  it('matches the bicubic golden metrics (HR vs y0)', () => {
    const err = {
      psnr: Math.abs(psnr(hr, y0) - golden.psnr_rgb),
      ssim: Math.abs(ssim(hr, y0) - golden.ssim_rgb),
      psnrY: Math.abs(psnrY(hr, y0) - golden.psnr_y_bt601_shave4),
      mse: Math.abs(mse(hr, y0) - golden.mse_rgb),
    };
    const e = (v: number) => v.toExponential(2);
    console.log(`metrics golden abs errors: PSNR ${e(err.psnr)} dB, SSIM ${e(err.ssim)}, PSNR-Y ${e(err.psnrY)} dB, MSE ${e(err.mse)}`);
    expect(err.psnr).toBeLessThan(1e-6);
    expect(err.psnrY).toBeLessThan(1e-6);
    expect(err.ssim).toBeLessThan(1e-5);
    expect(err.mse).toBeLessThan(1e-12);
  });

  interface Case {
    w: number; h: number; a: string; b: string; winSize: number; dataRange: number;
    psnr: number; ssim: number; mse: number; psnrY?: number;
  }
  const { cases } = readJson<{ cases: Case[] }>(FIXTURES + 'skimage-metrics.json');
  it.each(cases.map((c) => [`${c.w}x${c.h} win ${c.winSize} range ${c.dataRange}`, c] as const))(
    'matches skimage on %s',
    (_, c) => {
      const a = fromRgb8(fromBase64(c.a), c.w, c.h);
      const b = fromRgb8(fromBase64(c.b), c.w, c.h);
      expect(Math.abs(psnr(a, b, c.dataRange) - c.psnr)).toBeLessThan(1e-9);
      expect(Math.abs(mse(a, b) - c.mse)).toBeLessThan(1e-15);
      expect(Math.abs(ssim(a, b, { dataRange: c.dataRange, winSize: c.winSize }) - c.ssim)).toBeLessThan(1e-9);
      if (c.psnrY !== undefined) expect(Math.abs(psnrY(a, b) - c.psnrY)).toBeLessThan(1e-9);
    },
  );

  it('identical images: SSIM 1, PSNR and PSNR-Y Infinity, MSE 0', () => {
    expect(ssim(hr, hr)).toBeCloseTo(1, 12);
    expect(psnr(hr, hr)).toBe(Infinity);
    expect(psnrY(hr, hr)).toBe(Infinity);
    expect(mse(hr, hr)).toBe(0);
  });

  it('rejects mismatched sizes and windows larger than the image', () => {
    const small = createImage(6, 6);
    expect(() => psnr(hr, small)).toThrow(/image sizes differ: 64x64 vs 6x6/);
    expect(() => ssim(small, small)).toThrow(/winSize 7 exceeds the 6x6 image/);
    expect(() => ssim(hr, hr, { winSize: 4 })).toThrow(/odd integer/);
    expect(() => psnrY(small, small, 3)).toThrow(/shave 3 leaves nothing/);
  });
});
