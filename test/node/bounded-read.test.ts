import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { IMAGE_HEADER_BYTES, readImageFile } from '../../src/image/files.js';
import { createImage, encodePng, ImageError, MAX_IMAGE_FILE_BYTES } from '../../src/image/index.js';
import { serializeSafetensors } from '../../src/nn/safetensors.js';
import { FileReadError, readFileBounded, safetensorsHeaderProblem } from '../../src/node/files.js';
import { CheckpointFileError, MAX_CHECKPOINT_BYTES, readCheckpointFile } from '../../src/resshift/checkpoint-files.js';
import { withIhdrSize } from '../image/png-helpers.js';

// Item 5 of issue #9: a device, a pipe or a huge file given where an image, checkpoint or golden
// case is expected must be refused after reading at most its first bytes. Big files here are
// sparse (truncate), so they take no disk and reading them whole would show in memory.

const tmp = mkdtempSync(join(tmpdir(), 'resshift-bounded-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const hasDevZero = existsSync('/dev/zero');
const canFifo = process.platform !== 'win32' && spawnSync('mkfifo', ['--version']).status === 0;

async function sparseFile(name: string, size: number, head: Uint8Array = new Uint8Array(0)): Promise<string> {
  const path = join(tmp, name);
  const fh = await open(path, 'w');
  await fh.write(head, 0, head.length, 0);
  await fh.truncate(size);
  await fh.close();
  return path;
}

/** Counts the bytes read through FileHandle.read while `run` runs. */
async function bytesReadDuring(run: () => Promise<unknown>): Promise<number> {
  const probe = await open(fileURLToPath(import.meta.url), 'r');
  const proto = Object.getPrototypeOf(probe) as FileHandle;
  await probe.close();
  const original = proto.read;
  let total = 0;
  vi.spyOn(proto, 'read').mockImplementation(async function (this: FileHandle, ...args: unknown[]) {
    const r = await (original as (...a: unknown[]) => Promise<{ bytesRead: number }>).apply(this, args);
    total += r.bytesRead;
    return r;
  } as FileHandle['read']);
  await run().catch(() => undefined);
  return total;
}

function peakRssGrowth(): () => number {
  const before = process.resourceUsage().maxRSS * 1024;
  return () => process.resourceUsage().maxRSS * 1024 - before;
}

const opts = { what: 'test file', maxBytes: 1 << 20 };

describe('readFileBounded', () => {
  it('refuses a huge file with bad magic bytes after reading only its header', async () => {
    // 600 MiB, under the image file limit, so only the magic check can stop it.
    const path = await sparseFile('zeros.png', 600 * 2 ** 20);
    const growth = peakRssGrowth();
    await expect(readImageFile(path)).rejects.toThrow(`${path}: not a PNG, JPEG or WebP file`);
    expect(growth()).toBeLessThan(100 * 2 ** 20);
    expect(await bytesReadDuring(() => readImageFile(path))).toBeLessThanOrEqual(IMAGE_HEADER_BYTES);
  });

  it.skipIf(!hasDevZero)('refuses /dev/zero as an image, a checkpoint and a plain read', async () => {
    await expect(readImageFile('/dev/zero')).rejects.toThrow(new ImageError('/dev/zero: a character device, not a file'));
    await expect(readCheckpointFile('/dev/zero')).rejects.toThrow(new CheckpointFileError('/dev/zero: a character device, not a checkpoint file'));
    await expect(readFileBounded('/dev/zero', opts)).rejects.toThrow(new FileReadError('/dev/zero: a character device, not a test file'));
  });

  it.skipIf(!canFifo)('refuses a pipe without waiting for a writer', async () => {
    const fifo = join(tmp, 'pipe.png');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    await expect(readImageFile(fifo)).rejects.toThrow(`${fifo}: a pipe, not a file`);
  });

  it('refuses files over the limit by their size, reading nothing', async () => {
    const png = encodePng(createImage(2, 2));
    const big = await sparseFile('big.png', MAX_IMAGE_FILE_BYTES + 1, png);
    expect(await bytesReadDuring(() => readImageFile(big))).toBe(0);
    await expect(readImageFile(big)).rejects.toThrow(`${big}: 1.0 GiB, over the 1.0 GiB limit for a file`);
    const ck = await sparseFile('big.safetensors', MAX_CHECKPOINT_BYTES + 1);
    await expect(readCheckpointFile(ck)).rejects.toThrow(`${ck}: 2.0 GiB, over the 2.0 GiB limit for a checkpoint file`);
    const small = await sparseFile('small.bin', opts.maxBytes + 1);
    await expect(readFileBounded(small, opts)).rejects.toThrow(`${small}: 1.0 MiB, over the 1.0 MiB limit for a test file`);
  });

  it('checks a PNG header\'s size before reading the body', async () => {
    const png = withIhdrSize(encodePng(createImage(2, 2)), 100000, 100000);
    const path = await sparseFile('huge-header.png', 300 * 2 ** 20, png);
    expect(await bytesReadDuring(() => readImageFile(path))).toBe(IMAGE_HEADER_BYTES);
    await expect(readImageFile(path)).rejects.toThrow(`${path}: image is 100000x100000 pixels, over the limit of 16384 pixels per side`);
  });

  it('refuses a checkpoint whose safetensors header cannot fit, before reading the body', async () => {
    const head = new Uint8Array(16);
    new DataView(head.buffer).setUint32(0, 0xffffff00, true);
    const path = await sparseFile('junk.safetensors', 500 * 2 ** 20, head);
    expect(await bytesReadDuring(() => readCheckpointFile(path))).toBe(9);
    await expect(readCheckpointFile(path)).rejects.toThrow(`${path}: not a safetensors file (header length 4294967040 does not fit in the 524288000-byte file)`);
  });

  it('reads ordinary files whole, header included', async () => {
    const data = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) & 255);
    const path = join(tmp, 'ok.bin');
    writeFileSync(path, data);
    let seen: Uint8Array | undefined;
    const got = await readFileBounded(path, { ...opts, headerBytes: 8, checkHeader: (h) => ((seen = h.slice()), undefined) });
    expect(got).toEqual(data);
    expect(seen).toEqual(data.subarray(0, 8));
    expect(await readFileBounded(join(tmp, 'ok.bin'), { ...opts, headerBytes: 9000 })).toEqual(data);
  });

  it('names missing files and folders', async () => {
    await expect(readFileBounded(join(tmp, 'nope'), opts)).rejects.toThrow(`${join(tmp, 'nope')}: no such test file`);
    await expect(readFileBounded(tmp, opts)).rejects.toThrow(`${tmp}: is a folder, not a test file`);
  });
});

describe('safetensorsHeaderProblem', () => {
  it('passes real safetensors and names the two cheap failures', () => {
    const good = serializeSafetensors([['w', { shape: [2], data: new Float32Array(2) }]]);
    expect(safetensorsHeaderProblem(good.subarray(0, 9), good.length)).toBeUndefined();
    expect(safetensorsHeaderProblem(new Uint8Array(9), 100)).toBe('header does not start with a JSON object');
    expect(safetensorsHeaderProblem(good.subarray(0, 9), 20)).toMatch(/^header length \d+ does not fit in the 20-byte file$/);
    expect(safetensorsHeaderProblem(good.subarray(0, 5), 5)).toBeUndefined(); // left to the parser
  });
});

// The CLI runs from dist/ (npm run build).
const built = existsSync('dist/cli/main.js');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/resshift-ts.js', ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr.trim() };
}

describe.skipIf(!built || !hasDevZero)('CLI: /dev/zero as input (needs `npm run build`)', () => {
  it('upscale, --checkpoint and golden exit 2 with one line', () => {
    const out = join(tmp, 'x.png');
    const lr = join(tmp, 'lr.png');
    writeFileSync(lr, encodePng(createImage(8, 8)));
    const cases: [string[], string][] = [
      [['upscale', '/dev/zero', '-o', out], 'resshift-ts upscale: /dev/zero: a character device, not a file'],
      [['upscale', lr, '-o', out, '--checkpoint', '/dev/zero'], 'resshift-ts upscale: /dev/zero: a character device, not a checkpoint file'],
      [['golden', '/dev/zero'], 'resshift-ts golden: /dev/zero: a character device, not a golden case file'],
    ];
    for (const [args, message] of cases) {
      const r = cli(...args);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toBe(message);
      expect(r.out).toBe('');
    }
    expect(existsSync(out)).toBe(false);
  });
});
