import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { afterAll, describe, expect, test } from 'vitest';
import { readImageFile } from '../../src/image/files.js';
import { parseSafetensors, serializeSafetensors } from '../../src/nn/safetensors.js';
import { built, bundledModel, cli, event, GOLDEN, removeDir, tempDir, writeOverflowingCheckpoint, writeTinyCheckpoint } from './sr-support.js';

const tmp = tempDir('resshift-upscale-');
afterAll(() => removeDir(tmp));
const ck = built ? writeTinyCheckpoint(join(tmp, 'tiny.safetensors')) : '';
const LR = `${GOLDEN}/lr_16x16.png`;

function expectInputError(r: ReturnType<typeof cli>, pattern: RegExp) {
  expect(r.code, r.err).toBe(2);
  expect(r.out).toBe('');
  expect(r.err.trim().split('\n')).toHaveLength(1);
  expect(r.err).toMatch(/^resshift-ts upscale: /);
  expect(r.err).toMatch(pattern);
}

describe.skipIf(!built)('resshift-ts upscale (needs `npm run build`; skipped when dist/cli/main.js is missing)', () => {
  test('writes a PNG 4x larger, bit-identical across runs with the same seed; --json reports it', () => {
    const a = join(tmp, 'a.png');
    const b = join(tmp, 'b.png');
    const args = ['--checkpoint', ck, '--tile', '48', '--overlap', '16', '--seed', '4', '--steps', '4'];
    const r1 = cli(['upscale', LR, '-o', a, ...args]);
    expect(r1.code, r1.err).toBe(0);
    expect(r1.out).toMatch(/^wrote .*a\.png: 64x64 from 16x16; 4 tiles x 4 steps in /);
    const r2 = cli(['upscale', LR, '-o', b, ...args, '--json']);
    expect(r2.code, r2.err).toBe(0);
    const rep = event(r2.out, 'written');
    expect(rep).toMatchObject({ outputSize: [64, 64], inputSize: [16, 16], tiles: 4, steps: 4, seed: 4, model: 'checkpoint' });
    expect(rep.secondsPerTileStep).toBeGreaterThan(0);
    expect(readFileSync(b)).toEqual(readFileSync(a));
    // no temporary files left beside the output
    expect(readdirSync(tmp).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  test('without -o it writes <input>_x4.png beside the input', async () => {
    const input = join(tmp, 'photo.png');
    writeFileSync(input, readFileSync(LR));
    const r = cli(['upscale', input, '--checkpoint', ck, '--steps', '2']);
    expect(r.code, r.err).toBe(0);
    const img = (await readImageFile(join(tmp, 'photo_x4.png'))).image;
    expect([img.width, img.height]).toEqual([64, 64]);
  });

  test('reads RGBA (alpha dropped with a warning); all T steps by default', async () => {
    const rgba = join(tmp, 'rgba.png');
    const data = new Uint8Array(12 * 8 * 4).map((_, i) => (i % 4 === 3 ? 128 : (i * 37) % 256));
    writeFileSync(rgba, encode({ width: 12, height: 8, data, channels: 4, depth: 8 }));
    const out = join(tmp, 'rgba-x4.png');
    const r = cli(['upscale', rgba, '-o', out, '--checkpoint', ck, '--json']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/^resshift-ts upscale: warning: .*alpha channel dropped/);
    expect(event(r.out, 'written')).toMatchObject({ steps: 15, tiles: 1 });
    const img = (await readImageFile(out)).image;
    expect([img.width, img.height]).toEqual([48, 32]);
  });

  test('missing, corrupt or unusable inputs and outputs: exit 2 with one line, nothing written', () => {
    const out = join(tmp, 'never.png');
    const corrupt = join(tmp, 'corrupt.png');
    writeFileSync(corrupt, readFileSync(LR).subarray(0, 100));
    expectInputError(cli(['upscale', join(tmp, 'missing.png'), '-o', out, '--checkpoint', ck]), /missing\.png: no such file/);
    expectInputError(cli(['upscale', corrupt, '-o', out, '--checkpoint', ck]), /corrupt\.png: /);
    expectInputError(cli(['upscale', LR, '-o', join(tmp, 'no-such-dir', 'x.png'), '--checkpoint', ck]), /does not exist/);
    expectInputError(cli(['upscale', LR, '-o', out, '--checkpoint', ck, '--tile', '30']), /--tile 30 .*multiple of 8/);
    expect(existsSync(out)).toBe(false);
  });

  test('an output that is the input through a link: exit 2, the input intact', () => {
    const d = join(tmp, 'linked');
    mkdirSync(d);
    const input = join(d, 'in.png');
    writeFileSync(input, readFileSync(LR));
    symlinkSync('.', join(d, 'same')); // d/same -> d, so d/same/in.png is d/in.png
    expectInputError(cli(['upscale', input, '-o', join(d, 'same', 'in.png'), '--checkpoint', ck, '--steps', '2']), /same\/in\.png: the output would overwrite the input \(.*in\.png is the same file\)/);
    symlinkSync('in.png', join(d, 'link.png')); // an input that links to the -o target
    expectInputError(cli(['upscale', join(d, 'link.png'), '-o', input, '--checkpoint', ck, '--steps', '2']), /in\.png: the output would overwrite the input/);
    expect(readFileSync(input)).toEqual(readFileSync(LR));
  });

  test('output names: a legal 250-byte name is written; a longer one and /proc fail before the work', () => {
    const long = join(tmp, `${'x'.repeat(246)}.png`);
    const r = cli(['upscale', LR, '-o', long, '--checkpoint', ck, '--steps', '2']);
    expect(r.code, r.err).toBe(0);
    expect(existsSync(long)).toBe(true);
    expectInputError(cli(['upscale', LR, '-o', join(tmp, `${'x'.repeat(300)}.png`), '--checkpoint', ck]), /: the name x{300}\.png is too long for the file system$/m);
    if (process.platform === 'linux') expectInputError(cli(['upscale', LR, '-o', '/proc/a.png', '--checkpoint', ck]), /\/proc\/a\.png: cannot create files in \/proc \(the file system does not allow it\)$/m);
  });

  test('absurd numbers name their flag: --threads, --tile', () => {
    expectInputError(cli(['upscale', LR, '--threads', '1e308', '--checkpoint', ck]), /--threads must be an integer from 1 to \d+ \(twice this machine's \d+ cores: more threads than cores add no speed, only memory\), got 1e308$/m);
    expectInputError(cli(['upscale', LR, '--tile', '1e308', '--checkpoint', ck]), /--tile must be an integer from 8 to 1024, got 1e308$/m);
  });

  test('a checkpoint whose activations overflow: exit 1 naming the step and the tile, nothing written', () => {
    const bad = writeOverflowingCheckpoint(join(tmp, 'overflow.safetensors'));
    const out = join(tmp, 'black.png');
    const r = cli(['upscale', LR, '-o', out, '--checkpoint', bad, '--steps', '4', '--tile', '48', '--overlap', '16']);
    expect(r.code, r.err).toBe(1);
    expect(r.err).toMatch(/^resshift-ts upscale: the sampler produced NaN or infinite values at reverse step 1 of 4 \(model timestep 15\) in the 40x40 tile at x 0, y 0 of the 64x64 frame; the model's weights are probably broken\n$/);
    expect(existsSync(out)).toBe(false);
  });

  test('terminal escapes in file names are printed escaped', () => {
    const input = join(tmp, 'evil\x1b]0;pwned\x07\x9b2J.png');
    writeFileSync(input, readFileSync(LR));
    const r = cli(['upscale', input, '--checkpoint', ck, '--steps', '2']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('evil\\x1b]0;pwned\\x07\\x9b2J_x4.png');
    expect(r.out).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
    const missing = cli(['upscale', join(tmp, 'gone\x1b[31m.png'), '--checkpoint', ck]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/gone\\x1b\[31m\.png: no such file/);
    expect(missing.err).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
  });

  test('a bad checkpoint names the missing, unexpected and wrongly shaped tensors', () => {
    const { tensors, metadata } = parseSafetensors(readFileSync(ck));
    const edited = [...tensors]
      .filter(([n]) => n !== 'outc.weight')
      .map(([n, t]): [string, { shape: number[]; data: Float32Array | Float64Array }] =>
        n === 'inc.conv.0.bias' ? ['inc.conv.0.bias_renamed', t] : n === 'outc.bias' ? [n, { shape: [4], data: new Float32Array(4) }] : [n, t]);
    const bad = join(tmp, 'bad.safetensors');
    writeFileSync(bad, serializeSafetensors(edited, metadata));
    const out = join(tmp, 'never.png');
    expectInputError(cli(['upscale', LR, '-o', out, '--checkpoint', bad]), /bad\.safetensors: .*missing inc\.conv\.0\.bias, outc\.weight; unexpected inc\.conv\.0\.bias_renamed; wrong shape outc\.bias \[4\] \(model \[3\]\)/);
    expectInputError(cli(['upscale', LR, '-o', out, '--checkpoint', join(tmp, 'none.safetensors')]), /none\.safetensors: no such checkpoint file/);
  });

  test.skipIf(!bundledModel)('without --checkpoint it runs the bundled model, from any working folder', () => {
    const dir = tempDir('resshift-bundled-');
    try {
      const r = cli(['upscale', LR, '-o', 'x.png', '--steps', '2', '--json'], dir);
      expect(r.code, r.err).toBe(0);
      expect(event(r.out, 'written')).toMatchObject({ model: 'bundled', outputSize: [64, 64] });
    } finally {
      removeDir(dir);
    }
  });

  test.skipIf(bundledModel)('without --checkpoint: the newest in ./checkpoints, and a how-to when there is none', () => {
    const dir = tempDir('resshift-nomodel-');
    try {
      expectInputError(cli(['upscale', LR, '-o', 'x.png'], dir), /no model: .*resshift-ts train.*--checkpoint/);
      mkdirSync(join(dir, 'checkpoints'));
      writeTinyCheckpoint(join(dir, 'checkpoints', 'resshift_epoch_3.safetensors'));
      const r = cli(['upscale', LR, '-o', 'x.png', '--steps', '2', '--json'], dir);
      expect(r.code, r.err).toBe(0);
      expect(event(r.out, 'written')).toMatchObject({ model: 'latest', checkpoint: join('checkpoints', 'resshift_epoch_3.safetensors') });
    } finally {
      removeDir(dir);
    }
  });
});
