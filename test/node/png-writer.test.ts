import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/image/decode.js';
import { crc32 } from '../../src/image/png-stream.js';
import { toRgb8 } from '../../src/image/quantize.js';
import { PngFileWriter } from '../../src/node/png-writer.js';
import { Rng } from '../../src/tensor/rng.js';

const dir = mkdtempSync(join(tmpdir(), 'resshift-png-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Smooth ramps, flat areas and noise, so that every filter type wins somewhere. */
function testImage(w: number, h: number, seed: number): Uint8Array {
  const noise = new Rng(seed).fillUniform(new Float32Array(w * h * 3), 0, 256);
  const px = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) {
    const i = (y * w + x) * 3 + c;
    const band = Math.floor(y / 16) % 4;
    px[i] = band === 0 ? noise[i] : band === 1 ? (x * 3 + c * 40) & 255 : band === 2 ? (y * 5 + x) & 255 : 77;
  }
  return px;
}

/** The chunks of a PNG file: type and data. */
function chunks(png: Uint8Array): { type: string; data: Uint8Array }[] {
  const view = new DataView(png.buffer, png.byteOffset);
  const out = [];
  for (let at = 8; at < png.length; ) {
    const len = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const data = png.subarray(at + 8, at + 8 + len);
    expect(view.getUint32(at + 8 + len), `${type} CRC`).toBe(crc32(png.subarray(at + 4, at + 8), data));
    out.push({ type, data });
    at += 12 + len;
  }
  return out;
}

async function writeRows(path: string, px: Uint8Array, w: number, h: number, idatBytes?: number): Promise<void> {
  const writer = await PngFileWriter.create(path, w, h, { idatBytes });
  for (let y = 0; y < h; y++) await writer.writeRow(px.subarray(y * w * 3, (y + 1) * w * 3));
  await writer.close();
}

describe('PngFileWriter', () => {
  it('CRC-32 is the standard one', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new TextEncoder().encode('1234'), new TextEncoder().encode('56789'))).toBe(0xcbf43926);
  });

  it('writes a PNG that decodes to the rows it was given, in several IDAT chunks, with adaptive filters', async () => {
    const [w, h] = [200, 256];
    const px = testImage(w, h, 1);
    const path = join(dir, 'big.png');
    await writeRows(path, px, w, h, 4096);
    const png = new Uint8Array(readFileSync(path));
    expect(toRgb8(decodeImage(png, path).image)).toEqual(px);
    const cs = chunks(png);
    expect(cs.map((c) => c.type).filter((t) => t !== 'IDAT')).toEqual(['IHDR', 'IEND']);
    const idat = cs.filter((c) => c.type === 'IDAT');
    expect(idat.length).toBeGreaterThan(2);
    for (const c of idat.slice(0, -1)) expect(c.data.length).toBeGreaterThanOrEqual(4096);
    const raw = inflateSync(Buffer.concat(idat.map((c) => c.data)));
    expect(raw.length).toBe(h * (w * 3 + 1));
    const filters = new Set(Array.from({ length: h }, (_, y) => raw[y * (w * 3 + 1)]));
    expect(filters.size).toBeGreaterThanOrEqual(3);
    expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('one row, one column, and a 1x1 image', async () => {
    for (const [w, h] of [[7, 1], [1, 9], [1, 1]]) {
      const px = testImage(w, h, w + h);
      const path = join(dir, `s${w}x${h}.png`);
      await writeRows(path, px, w, h);
      expect(toRgb8(decodeImage(new Uint8Array(readFileSync(path)), path).image)).toEqual(px);
    }
  });

  it('replaces the target only when closed: before, the old file stays and the rows sit in a hidden temporary file', async () => {
    const path = join(dir, 'atomic.png');
    writeFileSync(path, 'old');
    const px = testImage(20, 10, 3);
    const writer = await PngFileWriter.create(path, 20, 10);
    for (let y = 0; y < 10; y++) await writer.writeRow(px.subarray(y * 60, (y + 1) * 60));
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(existsSync(writer.tempPath)).toBe(true);
    expect(writer.tempPath.startsWith(join(dir, '.atomic.png.'))).toBe(true);
    await writer.close();
    expect(existsSync(writer.tempPath)).toBe(false);
    expect(toRgb8(decodeImage(new Uint8Array(readFileSync(path)), path).image)).toEqual(px);
  });

  it('abort, or closing before every row is in, removes the temporary file and leaves the target alone', async () => {
    const path = join(dir, 'kept.png');
    writeFileSync(path, 'old');
    const a = await PngFileWriter.create(path, 4, 3);
    await a.writeRow(new Uint8Array(12));
    await a.abort();
    expect(existsSync(a.tempPath)).toBe(false);
    await expect(a.writeRow(new Uint8Array(12))).rejects.toThrow(/kept\.png: the PNG writer is aborted/);

    const b = await PngFileWriter.create(path, 4, 3);
    await b.writeRow(new Uint8Array(12));
    await expect(b.close()).rejects.toThrow(/kept\.png: 1 of 3 rows written/);
    expect(existsSync(b.tempPath)).toBe(false);

    const c = await PngFileWriter.create(path, 4, 1);
    await expect(c.writeRow(new Uint8Array(11))).rejects.toThrow(/a row of 11 bytes, expected 12/);
    await c.writeRow(new Uint8Array(12));
    await expect(c.writeRow(new Uint8Array(12))).rejects.toThrow(/all 1 rows are written already/);
    c.discardSync();
    expect(existsSync(c.tempPath)).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('a folder that does not exist: an error naming the path, nothing written', async () => {
    await expect(PngFileWriter.create(join(dir, 'none', 'x.png'), 2, 2)).rejects.toThrow(/none[/\\]x\.png: cannot write \(ENOENT/);
  });
});
