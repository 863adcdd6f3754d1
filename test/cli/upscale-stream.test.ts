import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { afterAll, describe, expect, test } from 'vitest';
import { readImageFile } from '../../src/image/files.js';
import { toRgb8 } from '../../src/image/quantize.js';
import { checkpointFromBytes, modelFromCheckpoint } from '../../src/resshift/checkpoint.js';
import { etaSchedule } from '../../src/resshift/schedule.js';
import { upscaleMemory } from '../../src/resshift/upscale-memory.js';
import { upscaleImage } from '../../src/resshift/upscale.js';
import { BIN, built, cli, event, removeDir, tempDir, writeTinyCheckpoint } from './sr-support.js';

// The CLI streams the output by tile rows into a temporary PNG file: the same pixels as the
// whole-image path, memory bounded by the tile, too-large work refused up front, and an
// interrupt leaves nothing behind.

const tmp = tempDir('resshift-upscale-stream-');
afterAll(() => removeDir(tmp));
const ck = built ? writeTinyCheckpoint(join(tmp, 'tiny.safetensors')) : '';
const hidden = () => readdirSync(tmp).filter((n) => n.startsWith('.'));

/** A w x h RGB PNG of ramps and texture, written to `name` in the temp folder. */
function writeInput(name: string, w: number, h: number): string {
  const data = new Uint8Array(w * h * 3).map((_, i) => {
    const [p, c] = [Math.floor(i / 3), i % 3];
    return ((p % w) * 9 + Math.floor(p / w) * 13 * (c + 1) + ((p * 7919) % 61)) & 255;
  });
  const path = join(tmp, name);
  writeFileSync(path, encode({ width: w, height: h, data, channels: 3, depth: 8 }));
  return path;
}

describe.skipIf(!built)('resshift-ts upscale, streamed (needs `npm run build`)', () => {
  test('writes the same pixels as the whole-image path: non-square, several tile rows and columns, edge tiles', async () => {
    const input = writeInput('odd.png', 17, 13);
    const out = join(tmp, 'odd_x4.png');
    const r = cli(['upscale', input, '-o', out, '--checkpoint', ck, '--backend', 'ref', '--tile', '24', '--overlap', '8', '--steps', '2', '--seed', '7', '--json']);
    expect(r.code, r.err).toBe(0);
    // 68 x 52 in a 72 x 56 frame: 3 tile rows, 4 tile columns, the last row and column of tiles reach into the margin
    expect(event(r.out, 'written')).toMatchObject({ outputSize: [68, 52], tiles: 12 });
    const loaded = checkpointFromBytes(new Uint8Array(readFileSync(ck)));
    const model = modelFromCheckpoint(loaded, 'ref');
    try {
      const lr = (await readImageFile(input)).image;
      const whole = await upscaleImage(model, lr, { schedule: etaSchedule(loaded.meta.diffusion), kappa: loaded.meta.diffusion.kappa, seed: 7, tile: 24, overlap: 8, steps: 2 });
      expect(toRgb8((await readImageFile(out)).image)).toEqual(toRgb8(whole));
    } finally {
      model.dispose();
    }
    expect(hidden()).toEqual([]);
  });

  test('refuses, before the work starts, an upscale that cannot fit in memory, and names a --tile that would', () => {
    // the bundled width-32 model on a 1024x1024 tile (the largest --tile accepted) needs about
    // 10 GB of tensors: over WASM's 4 GiB linear memory on any machine
    const input = join(tmp, 'flat.png');
    writeFileSync(input, encode({ width: 2048, height: 2048, data: new Uint8Array(2048 * 2048 * 3).fill(90), channels: 3, depth: 8 }));
    const out = join(tmp, 'never.png');
    const r = cli(['upscale', input, '-o', out, '--backend', 'wasm', '--threads', '1', '--tile', '1024']);
    expect(r.code, r.err).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^resshift-ts upscale: .*flat\.png: upscaling 2048x2048 to 8192x8192 with --tile 1024 needs about [\d.]+ GiB (of memory and [\d.]+ [GM]iB is available|per tile for the backend's tensors, over its [\d.]+ GiB); --tile \d+ would fit/);
    expect(existsSync(out)).toBe(false);
    expect(hidden()).toEqual([]);
  });

  test('an interrupt during the work stops it after the current tile, removes the temporary file and exits 130', async () => {
    // one row of 84 tiles x 15 steps: a minute of work or more, one tile under a second; rows are
    // only written at the end, so only the pause between tiles lets the handler run before that
    const input = writeInput('long.png', 512, 8);
    const out = join(tmp, 'long_x4.png');
    const child = spawn(process.execPath, [BIN, 'upscale', input, '-o', out, '--checkpoint', ck, '--tile', '32', '--overlap', '8', '--json']);
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // the temporary file appears once the work has started
    const t0 = Date.now();
    while (!hidden().some((n) => n.startsWith('.long_x4.png.')) && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 20));
    expect(hidden().length, err).toBe(1);
    const killedAt = Date.now();
    child.kill('SIGINT');
    expect(await exited, err).toBe(130);
    // the handler runs between tiles, not once the whole image is done
    expect(Date.now() - killedAt).toBeLessThan(15_000);
    expect(existsSync(out)).toBe(false);
    expect(hidden()).toEqual([]);
  }, 120_000);

  test('peak memory of a 4096x3072 output stays far below the whole-image figure and within the estimate', () => {
    // the pipeline without the model (each tile returns its own y0), in a child of its own
    const [w, h, tile, overlap] = [1024, 768, 128, 16];
    const r = spawnSync(process.execPath, [join(import.meta.dirname, 'stream-memory-child.mjs'), join(tmp, 'mem.png'), ...[w, h, tile, overlap].map(String)], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout) as { rssBefore: number; maxRss: number; width: number; height: number };
    const grew = m.maxRss - m.rssBefore;
    // whole-image float arrays: y0, its planar copy, the blend and the result, 12 bytes each per output pixel
    const wholeImage = 24 * m.width * m.height;
    const est = upscaleMemory(w, h, tile, { baseChannels: 0 });
    console.log(`streamed ${m.width}x${m.height}: RSS grew ${(grew / 2 ** 20).toFixed(0)} MiB; whole-image floats ${(wholeImage / 2 ** 20).toFixed(0)} MiB; estimate without the model ${((est.total - est.activations * 1.5) / 2 ** 20).toFixed(0)} MiB`);
    expect(grew).toBeLessThan(wholeImage / 4);
    expect(grew).toBeLessThan(est.total - est.source);
    expect(readFileSync(join(tmp, 'mem.png')).subarray(1, 4).toString()).toBe('PNG');
  });
});
