import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createImage, encodePng } from '../../src/image/index.js';
import { DatasetError, ImageSet } from '../../src/resshift/data.js';

// Issue #9 item 6: a 1x16384 training image, upsampled to cover the crop with its aspect ratio
// kept, became 256x4194304 pixels (3 GB) at the default crop.

const tmp = mkdtempSync(join(tmpdir(), 'resshift-thin-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function folderWith(name: string, width: number, height: number): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  writeFileSync(join(dir, `${name}.png`), encodePng(createImage(width, height)));
  return dir;
}

describe('thin training images', () => {
  it('an image too thin to cover the crop within the pixel limit is refused, naming it', async () => {
    const dir = folderWith('thin', 1, 16384);
    const before = process.resourceUsage().maxRSS * 1024;
    const load = ImageSet.load(dir, { crop: 256 });
    await expect(load).rejects.toThrow(DatasetError);
    await expect(load).rejects.toThrow(
      `${join(dir, 'thin.png')}: 1x16384 is too thin to train on: covering the 256px crop would upsample it to 256x4194304 = 1073.7 Mpx, over the 67.1 Mpx limit`,
    );
    expect(process.resourceUsage().maxRSS * 1024 - before).toBeLessThan(100 * 2 ** 20);
  });

  it('also in the validation set (centre crops only)', async () => {
    const dir = folderWith('thin-valid', 16384, 2);
    await expect(ImageSet.load(dir, { crop: 256, centreOnly: true })).rejects.toThrow(/16384x2 is too thin to train on/);
  });

  it('a thin image that stays within the limit is upsampled with a warning, as before', async () => {
    const dir = folderWith('narrow', 32, 2048);
    const warnings: string[] = [];
    const set = await ImageSet.load(dir, { crop: 256, onWarning: (w) => warnings.push(w) });
    expect(set.images.map((im) => [im.width, im.height])).toEqual([[256, 16384]]);
    expect(warnings).toEqual([`${join(dir, 'narrow.png')}: 32x2048 is smaller than the 256px crop; upsampled (bicubic) to cover it`]);
  });
});
