// upscale's everyday use: several inputs and folders, JPEG and WebP in and out, EXIF orientation,
// which model runs, and progress when stderr is not a terminal (spawnSync pipes it) or with --json.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { readImageFile } from '../../src/image/files.js';
import { sniffFormat } from '../../src/image/sniff.js';
import { webpHeader } from '../../src/image/webp.js';
import { orientedJpeg } from '../image/exif-jpeg.js';
import { built, bundledModel, cli, event, events, GOLDEN, removeDir, tempDir, writeTinyCheckpoint } from './sr-support.js';

const tmp = tempDir('resshift-upscale-batch-');
afterAll(() => removeDir(tmp));
const ck = built ? writeTinyCheckpoint(join(tmp, 'tiny.safetensors')) : '';
const LR = `${GOLDEN}/lr_16x16.png`;
const fast = ['--checkpoint', ck, '--steps', '2', '--tile', '32', '--overlap', '8'];

async function size(path: string): Promise<[number, number]> {
  const { image } = await readImageFile(path);
  return [image.width, image.height];
}

describe.skipIf(!built)('resshift-ts upscale, every day (needs `npm run build`)', () => {
  test('progress without a terminal: a plain line per tile on stderr with rate and ETA', () => {
    const r = cli(['upscale', LR, '-o', join(tmp, 'p.png'), ...fast]);
    expect(r.code, r.err).toBe(0);
    const lines = r.err.split('\n').filter((l) => l.startsWith('upscale: '));
    // 64x64 output in 32-pixel tiles with 8 of overlap: 9 tiles, a line at the end of each
    expect(lines.length).toBeGreaterThanOrEqual(9);
    expect(lines.at(-1)).toMatch(/^upscale: 18\/18 tile-steps \(100%\), [\d.]+ tile-steps\/s, elapsed \d+s, ETA 0s tile 9\/9$/);
  });

  test('--json: start, progress, written and done events, one JSON object a line', () => {
    const r = cli(['upscale', LR, '-o', join(tmp, 'j.png'), ...fast, '--json']);
    expect(r.code, r.err).toBe(0);
    const ev = events(r.out);
    expect(ev[0]).toMatchObject({ event: 'start', command: 'upscale', images: 1, model: { path: ck, source: 'checkpoint', epoch: null, step: null }, steps: 2 });
    const progress = ev.filter((e) => e.event === 'progress');
    expect(progress.length).toBeGreaterThanOrEqual(9);
    expect(progress.at(-1)).toMatchObject({ done: 18, total: 18, unit: 'tile-steps', etaSeconds: 0, tile: '9/9' });
    expect(event(r.out, 'written')).toMatchObject({ output: join(tmp, 'j.png'), outputSize: [64, 64], format: 'png' });
    expect(ev.at(-1)).toMatchObject({ event: 'done', written: 1, failed: [] });
  });

  test('--json errors are JSON too: exit 2 for bad input, usage errors included', () => {
    const missing = cli(['upscale', join(tmp, 'missing.png'), ...fast, '--json']);
    expect(missing.code).toBe(2);
    expect(events(missing.out)).toEqual([{ event: 'error', command: 'upscale', message: `${join(tmp, 'missing.png')}: no such file or folder`, exitCode: 2 }]);
    const usage = cli(['upscale', LR, '--no-such-flag', '--json']);
    expect(usage.code).toBe(2);
    expect(event(usage.out, 'error')).toMatchObject({ command: 'upscale', message: "unknown option '--no-such-flag'", exitCode: 2 });
  });

  test('EXIF orientation: a 48x32 stored phone photo with orientation 6 comes out a 128x192 portrait', async () => {
    const photo = join(tmp, 'phone.jpg');
    writeFileSync(photo, orientedJpeg(48, 32, 6));
    const out = join(tmp, 'phone_x4.png');
    const r = cli(['upscale', photo, ...fast, '--tile', '64', '--overlap', '16']);
    expect(r.code, r.err).toBe(0);
    expect(await size(out)).toEqual([128, 192]);
  });

  test('-o x.jpg writes JPEG, -o x.webp WebP (with --quality); WebP is read; a contradicting --format or an unknown extension is refused', async () => {
    const jpg = join(tmp, 'x.jpg');
    expect(cli(['upscale', LR, '-o', jpg, ...fast]).code).toBe(0);
    expect(sniffFormat(readFileSync(jpg))).toBe('jpeg');
    const webp = join(tmp, 'x.webp');
    const r = cli(['upscale', LR, '-o', webp, ...fast, '--quality', '70', '--json']);
    expect(r.code, r.err).toBe(0);
    expect(event(r.out, 'start')).toMatchObject({ format: 'webp', quality: 70 });
    expect(webpHeader(readFileSync(webp))).toMatchObject({ width: 64, height: 64 });
    // the WebP as input
    const again = cli(['upscale', webp, '-o', join(tmp, 'x2.png'), ...fast, '--tile', '128', '--overlap', '16']);
    expect(again.code, again.err).toBe(0);
    expect(await size(join(tmp, 'x2.png'))).toEqual([256, 256]);
    const bad = (args: string[], msg: RegExp) => {
      const b = cli(['upscale', LR, ...args, ...fast]);
      expect(b.code, b.err).toBe(2);
      expect(b.err).toMatch(msg);
    };
    bad(['-o', join(tmp, 'y.tiff')], /y\.tiff: unknown image format; name the output \.png, \.jpg, \.jpeg or \.webp, or give --format/);
    bad(['-o', join(tmp, 'y.png'), '--format', 'jpeg'], /--format jpeg contradicts the output name .*y\.png/);
    bad(['-o', join(tmp, 'y.png'), '--quality', '80'], /--quality applies to JPEG and WebP output/);
    bad(['-o', join(tmp, 'y.jpg'), '--quality', '0'], /--quality must be an integer from 1 to 100, got 0/);
    expect(readdirSync(tmp).filter((n) => n.startsWith('y.'))).toEqual([]);
  });

  test('several inputs and a folder into -o DIR: predictable names, inputs untouched; a bad file is reported and the rest written, exit 2', async () => {
    const photos = join(tmp, 'photos');
    mkdirSync(photos);
    copyFileSync(LR, join(photos, 'p1.png'));
    writeFileSync(join(photos, 'p2.jpg'), orientedJpeg(16, 12, 1));
    writeFileSync(join(photos, 'broken.png'), readFileSync(LR).subarray(0, 60));
    writeFileSync(join(photos, 'notes.txt'), 'not an image');
    const single = join(tmp, 'single.png');
    copyFileSync(LR, single);
    const out = join(tmp, 'out');
    const r = cli(['upscale', single, photos, '-o', out, ...fast]);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(/^resshift-ts upscale: .*broken\.png: /m);
    expect(readdirSync(out).sort()).toEqual(['p1_x4.png', 'p2_x4.png', 'single_x4.png']);
    expect(await size(join(out, 'p2_x4.png'))).toEqual([64, 48]);
    expect(r.out).toMatch(/upscaled 3 of 4 images; 1 failed: .*broken\.png$/m);
    expect(readFileSync(single)).toEqual(readFileSync(LR));
    // without -o: a folder's outputs go to <folder>_x4, in JPEG with --format
    const r2 = cli(['upscale', photos, '--format', 'jpeg', ...fast, '--json']);
    expect(r2.code).toBe(2);
    expect(readdirSync(`${photos}_x4`).sort()).toEqual(['p1_x4.jpg', 'p2_x4.jpg']);
    expect(event(r2.out, 'failed')).toMatchObject({ input: join(photos, 'broken.png'), exitCode: 2 });
    expect(event(r2.out, 'done')).toMatchObject({ written: 2 });
  });

  test('batch refusals before any work: -o an existing file, -o the input folder, two inputs for one output name', () => {
    const a = join(tmp, 'clash');
    mkdirSync(a);
    copyFileSync(LR, join(a, 'c.png'));
    writeFileSync(join(a, 'c.jpg'), orientedJpeg(16, 16, 1));
    const file = join(tmp, 'afile.png');
    copyFileSync(LR, file);
    const refuse = (args: string[], msg: RegExp) => {
      const r = cli(['upscale', ...args, ...fast]);
      expect(r.code, r.err).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(msg);
    };
    refuse([LR, file, '-o', file], /afile\.png: is a file; with several inputs or a folder, -o names a folder/);
    refuse([LR, file, '-o', join(tmp, 'new.jpg')], /new\.jpg: with several inputs or a folder, -o names a folder, and this looks like an image file name/);
    expect(existsSync(join(tmp, 'new.jpg'))).toBe(false);
    refuse([a, '-o', a], /is the input folder .*clash/);
    refuse([a, '-o', join(tmp, 'clash-out')], /c\.(png|jpg) and .*c\.(png|jpg) would both be written to .*c_x4\.png/);
    expect(existsSync(join(tmp, 'clash-out'))).toBe(false);
    expect(readFileSync(file)).toEqual(readFileSync(LR));
  });

  test('one input with -o an existing folder or a name ending in a slash: the output goes inside under its own name', async () => {
    const dir = join(tmp, 'into');
    mkdirSync(dir);
    expect(cli(['upscale', LR, '-o', dir, ...fast]).code).toBe(0);
    expect(readdirSync(dir)).toEqual(['lr_16x16_x4.png']);
    const fresh = join(tmp, 'fresh');
    expect(cli(['upscale', LR, '-o', `${fresh}/`, '--format', 'webp', ...fast]).code).toBe(0);
    expect(readdirSync(fresh)).toEqual(['lr_16x16_x4.webp']);
  });

  test('--model latest: the newest usable checkpoint in --checkpoints, named with its step in the output', () => {
    const dir = join(tmp, 'cks');
    mkdirSync(dir);
    writeTinyCheckpoint(join(dir, 'resshift_epoch_2.safetensors'));
    writeFileSync(join(dir, 'resshift_epoch_9.safetensors'), 'torn');
    const r = cli(['upscale', LR, '-o', join(tmp, 'm.png'), '--model', 'latest', '--checkpoints', dir, '--steps', '2', '--json']);
    expect(r.code, r.err).toBe(0);
    expect(event(r.out, 'note').message).toMatch(/skipped .*resshift_epoch_9\.safetensors: not a safetensors file/);
    expect(event(r.out, 'written')).toMatchObject({ checkpoint: join(dir, 'resshift_epoch_2.safetensors'), model: 'latest' });
    const text = cli(['upscale', LR, '-o', join(tmp, 'm2.png'), '--model', 'latest', '--checkpoints', dir, '--steps', '2']);
    expect(text.out).toMatch(/model .*resshift_epoch_2\.safetensors \(no training position recorded\)$/m);
    const bad = cli(['upscale', LR, '--model', 'newest']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--model must be latest or bundled \(for a file, use --checkpoint FILE\), got newest/);
    const both = cli(['upscale', LR, '--model', 'latest', '--checkpoint', ck]);
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/--model latest and --checkpoint .* both choose the model; give one/);
    const empty = cli(['upscale', LR, '--model', 'latest', '--checkpoints', join(tmp, 'none')]);
    expect(empty.code).toBe(2);
    expect(empty.err).toMatch(/--model latest: .*none holds no usable checkpoint; train one with `resshift-ts train --out .*none`/);
  });

  test.skipIf(!bundledModel)('the bundled model while ./checkpoints holds the user\'s own: a note says how to use theirs', () => {
    const dir = tempDir('resshift-bundled-note-');
    try {
      mkdirSync(join(dir, 'checkpoints'));
      writeTinyCheckpoint(join(dir, 'checkpoints', 'resshift_epoch_1.safetensors'));
      const r = cli(['upscale', LR, '-o', 'x.png', '--steps', '2'], dir);
      expect(r.code, r.err).toBe(0);
      expect(r.err).toMatch(/^resshift-ts upscale: note: using the bundled model; checkpoints holds your own checkpoints \(newest checkpoints\/resshift_epoch_1\.safetensors\): add --model latest to use it$/m);
      expect(r.out).toMatch(/model .*resshift-default\.safetensors \(bundled model\)$/m);
    } finally {
      removeDir(dir);
    }
  });
});
