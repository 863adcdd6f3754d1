import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { decodeImage, toRgb8 } from '../../src/image/index.js';
import { jpegFrameInfo } from '../../src/image/sniff.js';
import { FIXTURES, fromBase64, readBytes, readJson } from './helpers.js';

interface JpegFixtures { source: string; width: number; height: number; libjpeg: Record<'progressive' | 'gray', string> }
const fx = readJson<JpegFixtures>(FIXTURES + 'jpeg-fixtures.json');
const source = fromBase64(fx.source);

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

function maxAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** A baseline JPEG of the fixture gradient, written by jpeg-js's own encoder. */
function baselineJpeg(quality = 95): Uint8Array {
  const rgba = new Uint8Array(fx.width * fx.height * 4);
  for (let p = 0; p < fx.width * fx.height; p++) {
    rgba.set(source.subarray(p * 3, p * 3 + 3), p * 4);
    rgba[p * 4 + 3] = 255;
  }
  const buf = jpeg.encode({ width: fx.width, height: fx.height, data: rgba }, quality).data;
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return '(no error)';
}

describe('decodeImage: JPEG', () => {
  it('decodes a baseline JPEG from jpeg-js close to the source pixels', () => {
    const { image, warnings } = decodeImage(baselineJpeg(), 'base.jpg');
    expect(warnings).toEqual([]);
    expect([image.width, image.height, image.channels]).toEqual([fx.width, fx.height, 3]);
    expect(meanAbsDiff(toRgb8(image), source)).toBeLessThan(3);
  });

  it('decodes a progressive JPEG (libjpeg cjpeg -progressive) close to libjpeg', () => {
    const bytes = readBytes(FIXTURES + 'progressive.jpg');
    expect(jpegFrameInfo(bytes)?.marker).toBe(0xc2);
    const got = toRgb8(decodeImage(bytes, 'prog.jpg').image);
    // Full-resolution chroma, so only IDCT and colour-conversion rounding differ.
    expect(maxAbsDiff(got, fromBase64(fx.libjpeg.progressive))).toBeLessThanOrEqual(2);
  });

  it('expands a greyscale JPEG to three equal channels matching libjpeg', () => {
    const { image, warnings } = decodeImage(readBytes(FIXTURES + 'gray.jpg'), 'gray.jpg');
    expect(warnings).toEqual([]);
    const got = toRgb8(image);
    for (let i = 0; i < got.length; i += 3) expect(got[i + 1] === got[i] && got[i + 2] === got[i]).toBe(true);
    expect(maxAbsDiff(got, fromBase64(fx.libjpeg.gray))).toBeLessThanOrEqual(1);
  });

  it('detects JPEG by its magic bytes whatever the name', () => {
    expect(decodeImage(baselineJpeg(), 'mislabelled.png').image.width).toBe(fx.width);
  });
});

describe('decodeImage: bad JPEG input', () => {
  const good = baselineJpeg();

  it.each([3, 10, 100, 300, good.length - 100, good.length - 2])('truncated to %i bytes: one clear line', (n) => {
    const message = errorOf(() => decodeImage(good.subarray(0, n), 'cut.jpg'));
    expect(message).toMatch(/^cut\.jpg: corrupt or truncated JPEG \(.+\)$/);
    expect(message).not.toContain('\n');
  });

  it('a damaged Huffman table is reported', () => {
    const bad = good.slice();
    for (let i = 200; i < 260; i++) bad[i] ^= 0x5a;
    expect(errorOf(() => decodeImage(bad, 'bad.jpg'))).toMatch(/^bad\.jpg: corrupt or truncated JPEG \(.+\)$/);
  });

  it('absurd frame sizes are refused before decoding', () => {
    const huge = good.slice();
    let sof = 2;
    while (!(huge[sof] === 0xff && huge[sof + 1] === 0xc0)) sof += 2 + ((huge[sof + 2] << 8) | huge[sof + 3]);
    huge[sof + 5] = 0xff; // height 65535 (big-endian 16-bit)
    huge[sof + 6] = 0xff;
    expect(() => decodeImage(huge, 'huge.jpg')).toThrow(
      'huge.jpg: image is 24x65535 pixels, over the limit of 16384 pixels per side',
    );
  });

  it('arithmetic-coded JPEGs are named as unsupported', () => {
    const arith = good.slice();
    let sof = 2;
    while (!(arith[sof] === 0xff && arith[sof + 1] === 0xc0)) sof += 2 + ((arith[sof + 2] << 8) | arith[sof + 3]);
    arith[sof + 1] = 0xc9;
    expect(() => decodeImage(arith, 'arith.jpg')).toThrow(/^arith\.jpg: unsupported JPEG \(arithmetic coding/);
  });
});
