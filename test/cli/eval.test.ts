import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { readImageFile } from '../../src/image/files.js';
import { built, cli, GOLDEN, removeDir, tempDir, writeTinyCheckpoint } from './sr-support.js';

const tmp = tempDir('resshift-eval-');
afterAll(() => removeDir(tmp));
const ck = built ? writeTinyCheckpoint(join(tmp, 'tiny.safetensors')) : '';
const golden = JSON.parse(readFileSync(`${GOLDEN}/metrics.json`, 'utf8')) as { psnr_rgb: number; ssim_rgb: number };
const data = join(tmp, 'data');
mkdirSync(data);
copyFileSync(`${GOLDEN}/hr_64x64.png`, join(data, 'hr.png'));
copyFileSync(`${GOLDEN}/y0_64x64.png`, join(data, 'y0.png'));

describe.skipIf(!built)('resshift-ts eval (needs `npm run build`; skipped when dist/cli/main.js is missing)', () => {
  test('prints SR and bicubic PSNR / SSIM per image with means and gain; --json parses; --out writes comparisons', async () => {
    const text = cli(['eval', '--data', data, '--checkpoint', ck, '--steps', '3', '--crop', '48']);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toMatch(/bicubic\s+SR/);
    expect(text.out).toMatch(/image\s+size\s+PSNR\s+SSIM\s+PSNR-Y\s+PSNR\s+SSIM\s+PSNR-Y/);
    expect(text.out).toMatch(/^hr\.png\s+48x48(\s+-?\d+\.\d+){6}$/m);
    expect(text.out).toMatch(/^mean\s+(\s+-?\d+\.\d+){6}$/m);
    expect(text.out).toMatch(/^gain \(SR - bicubic\): PSNR [+-]\d+\.\d+ dB, SSIM [+-]\d\.\d{4}, PSNR-Y [+-]\d+\.\d+ dB$/m);

    const out = join(tmp, 'cmp');
    const json = cli(['eval', '--data', data, '--checkpoint', ck, '--steps', '3', '--json', '--out', out]);
    expect(json.code, json.err).toBe(0);
    const rep = JSON.parse(json.out);
    expect(rep.images.map((m: { name: string }) => m.name)).toEqual(['hr.png', 'y0.png']);
    expect(Math.abs(rep.images[0].bicubic.psnr - golden.psnr_rgb)).toBeLessThan(1e-6);
    expect(Math.abs(rep.images[0].bicubic.ssim - golden.ssim_rgb)).toBeLessThan(1e-5);
    for (const k of ['psnr', 'ssim', 'psnrY']) expect(Number.isFinite(rep.mean.sr[k])).toBe(true);
    expect(rep.mean.gain.psnr).toBeCloseTo(rep.mean.sr.psnr - rep.mean.bicubic.psnr, 12);
    expect(rep.comparisons).toEqual([join(out, 'hr_compare.png'), join(out, 'y0_compare.png')]);
    const panel = (await readImageFile(rep.comparisons[0])).image;
    expect(panel.width).toBe(3 * 64 + 2 * 4);
  });

  test('a missing folder, a corrupt image or an unusable --out: exit 2 with one line', () => {
    const bad = join(tmp, 'bad');
    mkdirSync(bad);
    copyFileSync(`${GOLDEN}/hr_64x64.png`, join(bad, 'a.png'));
    writeFileSync(join(bad, 'b.png'), readFileSync(`${GOLDEN}/hr_64x64.png`).subarray(0, 80));
    const file = join(tmp, 'a-file');
    writeFileSync(file, '');
    for (const [args, pattern] of [
      [['--data', join(tmp, 'nowhere')], /nowhere: no such folder/],
      [['--data', bad], /b\.png: /],
      [['--data', data, '--out', join(file, 'sub')], /sub/],
    ] as const) {
      const r = cli(['eval', ...args, '--checkpoint', ck]);
      expect(r.code, r.err).toBe(2);
      expect(r.out).toBe('');
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(/^resshift-ts eval: /);
      expect(r.err).toMatch(pattern);
    }
  });
});
