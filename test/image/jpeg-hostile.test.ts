import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { decodeImage, ImageError } from '../../src/image/index.js';
import { MAX_JPEG_SCANS } from '../../src/image/decode-jpeg.js';
import { jpegStructure } from '../../src/image/sniff.js';
import { concatBytes, peakRssGrowth } from './png-helpers.js';
import { lcgBytes } from './helpers.js';

// Issue #9 item 3 (a small JPEG whose frame header claims a huge image made jpeg-js allocate
// about 1 GB before failing) and the JPEG half of item 16 (jpeg-js's internal error texts, such
// as "Cannot set properties of undefined (setting 'huffmanTableDC')", reached users).

function baseline(width: number, height: number, seed = 1): Uint8Array {
  const rgb = lcgBytes(seed, width * height * 4);
  const buf = jpeg.encode({ width, height, data: rgb }, 90).data;
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Offset of the first segment with `marker` (the 0xFF byte), walking the segments. */
function segment(bytes: Uint8Array, marker: number): number {
  let i = 2;
  while (bytes[i + 1] !== marker) i += 2 + ((bytes[i + 2] << 8) | bytes[i + 3]);
  return i;
}

function withFrameSize(bytes: Uint8Array, width: number, height: number): Uint8Array {
  const out = bytes.slice();
  const sof = segment(out, 0xc0);
  out.set([height >> 8, height & 255, width >> 8, width & 255], sof + 5);
  return out;
}

function errorOf(f: () => unknown): Error | undefined {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  return undefined;
}

describe('JPEG frame headers that the file cannot fill', () => {
  it('a ~900-byte JPEG claiming 8000x8000 is refused before jpeg-js allocates', () => {
    const small = withFrameSize(baseline(16, 16), 8000, 8000);
    expect(small.length).toBeLessThan(2000);
    const growth = peakRssGrowth();
    const e = errorOf(() => decodeImage(small, 'claims.jpg'));
    expect(growth()).toBeLessThan(64 * 2 ** 20);
    // 3 components at full resolution: 3 x 1000 x 1000 blocks, one bit each at the least.
    expect(e?.message).toBe(`claims.jpg: corrupt or truncated JPEG (a 8000x8000 JPEG needs at least 375000 bytes, the file has ${small.length})`);
  });

  it('the bound is one bit per block, so real files are far above it', () => {
    // A flat 256x256 image compresses about as well as a JPEG can: still well over 1 bit/block.
    const flat = jpeg.encode({ width: 256, height: 256, data: new Uint8Array(256 * 256 * 4).fill(128) }, 50).data;
    expect(flat.length).toBeGreaterThan((3 * 32 * 32) / 8);
    expect(decodeImage(new Uint8Array(flat), 'flat.jpg').image.width).toBe(256);
  });

  it('subsampled and odd-sized frames still decode within the memory jpeg-js is allowed', () => {
    // Rewriting the sampling factors makes jpeg-js read the same data in 4:2:0 / 4:2:2 MCUs:
    // the pixels are garbage, but the allocations are those of a real subsampled file.
    const good = baseline(37, 29, 3);
    for (const [y, cb] of [[0x22, 0x11], [0x21, 0x11], [0x12, 0x11], [0x11, 0x22], [0x41, 0x11]]) {
      const bytes = good.slice();
      const sof = segment(bytes, 0xc0);
      bytes[sof + 11] = y;
      bytes[sof + 14] = cb;
      const e = errorOf(() => decodeImage(bytes, 'sub.jpg'));
      expect(e?.message ?? '', `sampling ${y.toString(16)}/${cb.toString(16)}`).not.toMatch(/memory/);
    }
  });
});

describe('JPEG structure checked before decoding', () => {
  const good = baseline(24, 16);

  it('a scan naming a component the frame lacks (was a TypeError from jpeg-js)', () => {
    const bad = good.slice();
    bad[segment(bad, 0xda) + 5] = 9; // first scan component id
    expect(() => decodeImage(bad, 'sos.jpg')).toThrow(
      new ImageError('sos.jpg: corrupt or truncated JPEG (a scan names colour component 9, which the frame does not have)'),
    );
  });

  it('two frame headers', () => {
    const sof = segment(good, 0xc0);
    const len = (good[sof + 2] << 8) | good[sof + 3];
    const twice = concatBytes(good.subarray(0, sof + 2 + len), good.subarray(sof, sof + 2 + len), good.subarray(sof + 2 + len));
    expect(jpegStructure(twice).frames).toHaveLength(2);
    expect(() => decodeImage(twice, 'two.jpg')).toThrow('two.jpg: corrupt or truncated JPEG (2 frame headers; a JPEG image has one)');
  });

  it('more scans than the limit', () => {
    const sos = segment(good, 0xda);
    const eoi = good.length - 2;
    const scan = good.subarray(sos, eoi);
    const many = concatBytes(good.subarray(0, sos), ...Array.from({ length: MAX_JPEG_SCANS + 1 }, () => scan), good.subarray(eoi));
    expect(() => decodeImage(many, 'scans.jpg')).toThrow(`scans.jpg: corrupt or truncated JPEG (${MAX_JPEG_SCANS + 1} scans, over the limit of ${MAX_JPEG_SCANS})`);
  });

  it('12-bit and lossless frames are named as unsupported', () => {
    const twelve = good.slice();
    twelve[segment(twelve, 0xc0) + 4] = 12;
    expect(() => decodeImage(twelve, 'p12.jpg')).toThrow('p12.jpg: unsupported JPEG (12-bit samples; only 8-bit JPEGs are supported)');
    const lossless = good.slice();
    lossless[segment(lossless, 0xc0) + 1] = 0xc3;
    expect(() => decodeImage(lossless, 'll.jpg')).toThrow(/^ll\.jpg: unsupported JPEG \(lossless or hierarchical coding/);
  });

  it('damage inside the compressed data gives our words, not jpeg-js internals', () => {
    const seen = new Set<string>();
    const sos = segment(good, 0xda);
    for (let at = sos + 14; at < good.length - 2; at += 3) {
      const bad = good.slice();
      bad[at] = 0xff; // a marker where data should be, or a broken Huffman code
      bad[at + 1] = (at * 37) & 255;
      const e = errorOf(() => decodeImage(bad, 'd.jpg'));
      if (!e) continue;
      expect(e).toBeInstanceOf(ImageError);
      seen.add(e.message);
    }
    for (const m of seen) expect(m).toMatch(/^d\.jpg: (corrupt or truncated|unsupported) JPEG \((?:[a-z -]+; )?[a-z0-9 ,;x-]+\)$/i);
    expect(seen.size).toBeGreaterThan(0);
  });
});
