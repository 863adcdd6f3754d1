import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { readImageFile } from '../../src/image/files.js';
import { built, cli, event, events, GOLDEN, removeDir, tempDir, writeOverflowingCheckpoint, writeTinyCheckpoint } from './sr-support.js';

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
    const rep = event(json.out, 'done');
    expect(rep.images.map((m: { name: string }) => m.name)).toEqual(['hr.png', 'y0.png']);
    expect(Math.abs(rep.images[0].bicubic.psnr - golden.psnr_rgb)).toBeLessThan(1e-6);
    expect(Math.abs(rep.images[0].bicubic.ssim - golden.ssim_rgb)).toBeLessThan(1e-5);
    for (const k of ['psnr', 'ssim', 'psnrY']) expect(Number.isFinite(rep.mean.sr[k])).toBe(true);
    expect(rep.mean.gain.psnr).toBeCloseTo(rep.mean.sr.psnr - rep.mean.bicubic.psnr, 12);
    expect(rep.comparisons).toEqual([join(out, 'hr_compare.png'), join(out, 'y0_compare.png')]);
    const panel = (await readImageFile(rep.comparisons[0])).image;
    expect(panel.width).toBe(3 * 64 + 2 * 4);
    // progress: plain lines on stderr without a terminal, events with --json; each scored image is one
    expect(text.err).toMatch(/^eval: \d+\/\d+ tile-steps \(\d+%\), [\d.]+ tile-steps\/s, elapsed \d+s, ETA \S+ image 1\/2 scored$/m);
    expect(text.err).toMatch(/^eval: (\d+)\/\1 tile-steps \(100%\), .* image 2\/2 scored$/m);
    const ev = events(json.out);
    expect(ev[0]).toMatchObject({ event: 'start', command: 'eval', images: 2, model: { path: ck, source: 'checkpoint' } });
    expect(ev.filter((e) => e.event === 'progress' && /scored/.test(e.image)).map((e) => e.image)).toEqual(['1/2 scored', '2/2 scored']);
  });

  test('--json errors are JSON events; exit 2', () => {
    const r = cli(['eval', '--data', join(tmp, 'no-such-folder'), '--checkpoint', ck, '--json']);
    expect(r.code).toBe(2);
    expect(events(r.out)).toEqual([{ event: 'error', command: 'eval', message: `${join(tmp, 'no-such-folder')}: no such folder`, exitCode: 2 }]);
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

  test('--out: a.png and a.jpg get a panel each; the data folder or a folder inside it is refused, nothing made', () => {
    const twins = join(tmp, 'twins');
    mkdirSync(twins);
    copyFileSync(`${GOLDEN}/hr_64x64.png`, join(twins, 'a.png'));
    copyFileSync('test/image/fixtures/progressive.jpg', join(twins, 'a.jpg'));
    const out = join(tmp, 'twin-panels');
    const r = cli(['eval', '--data', twins, '--checkpoint', ck, '--steps', '2', '--json', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(event(r.out, 'done').comparisons).toEqual([join(out, 'a_jpg_compare.png'), join(out, 'a_png_compare.png')]);
    expect(readdirSync(out).sort()).toEqual(['a_jpg_compare.png', 'a_png_compare.png']);

    for (const [dir, pattern] of [
      [twins, /twins: the output folder is .*twins \(the next eval of it would score the comparison panels as data\); choose another/],
      [join(twins, 'panels', 'deeper'), /deeper: the output folder is inside .*twins /],
    ] as const) {
      const bad = cli(['eval', '--data', twins, '--checkpoint', ck, '--steps', '2', '--out', dir]);
      expect(bad.code, bad.err).toBe(2);
      expect(bad.err).toMatch(pattern);
    }
    expect(readdirSync(twins).sort()).toEqual(['a.jpg', 'a.png']);
  });

  test('a checkpoint whose activations overflow: exit 1 naming the image and the step, not a score', () => {
    const bad = writeOverflowingCheckpoint(join(tmp, 'overflow.safetensors'));
    const out = join(tmp, 'never');
    const r = cli(['eval', '--data', data, '--checkpoint', bad, '--steps', '2', '--crop', '32', '--out', out]);
    expect(r.code, r.err).toBe(1);
    expect(r.err).toMatch(/^resshift-ts eval: hr\.png: the sampler produced NaN or infinite values at reverse step 1 of 2 \(model timestep 15\) in the 32x32 tile at x 0, y 0 of the 32x32 frame/);
    expect(r.out).toBe('');
    expect(readdirSync(out)).toEqual([]);
  });
});
