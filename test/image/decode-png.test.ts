import { encode as encodeWithFastPng, type ImageData } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { createImage, decodeImage, encodePng, toRgb16, toRgb8 } from '../../src/image/index.js';
import { lcgBytes } from './helpers.js';
import { insertAfterIhdr, pngChunk, withIhdrSize } from './png-helpers.js';

const W = 7; // odd, so packed rows of 1/2/4-bit samples end mid-byte
const H = 5;

function rgbTestImage(): ReturnType<typeof createImage> {
  const px = lcgBytes(3, W * H * 3);
  return createImage(W, H, Float32Array.from(px, (v) => v / 255));
}

function fastPng(data: ImageData): Uint8Array {
  return encodeWithFastPng(data);
}

/** Packs samples of `depth` bits into PNG rows (MSB first, each row starting on a byte). */
function packRows(samples: number[], width: number, depth: number): Uint8Array {
  const rowBytes = Math.ceil((width * depth) / 8);
  const height = samples.length / width;
  const out = new Uint8Array(rowBytes * height);
  samples.forEach((v, i) => {
    const y = Math.floor(i / width);
    const bit = (i % width) * depth;
    out[y * rowBytes + (bit >> 3)] |= v << (8 - depth - (bit & 7));
  });
  return out;
}

function expectGrey(image: { data: Float32Array }, values: number[], max: number): void {
  const expected = Float32Array.from(values.flatMap((v) => [v / max, v / max, v / max]));
  expect(image.data).toEqual(expected);
}

describe('decodeImage: PNG', () => {
  it('8-bit RGB round-trips through encodePng exactly, without warnings', () => {
    const img = rgbTestImage();
    const { image, warnings } = decodeImage(encodePng(img), 'rgb8.png');
    expect(warnings).toEqual([]);
    expect([image.width, image.height, image.channels]).toEqual([W, H, 3]);
    expect(image.data).toEqual(img.data);
    expect(toRgb8(image)).toEqual(toRgb8(img));
  });

  it('16-bit RGB round-trips exactly', () => {
    const words = new Uint16Array(W * H * 3).map((_, i) => (i * 2654435761) % 65536);
    const img = createImage(W, H, Float32Array.from(words, (v) => v / 65535));
    const png = encodePng(img, { bitDepth: 16 });
    expect(png[24]).toBe(16); // IHDR bit depth
    const { image, warnings } = decodeImage(png, 'rgb16.png');
    expect(warnings).toEqual([]);
    expect(toRgb16(image)).toEqual(words);
    expect(image.data).toEqual(img.data);
  });

  it('8- and 16-bit greyscale are expanded to three equal channels', () => {
    const g8 = [...lcgBytes(5, W * H)];
    expectGrey(decodeImage(fastPng({ width: W, height: H, channels: 1, depth: 8, data: Uint8Array.from(g8) })).image, g8, 255);
    const g16 = g8.map((v) => v * 257 + (v % 7));
    const r16 = decodeImage(fastPng({ width: W, height: H, channels: 1, depth: 16, data: Uint16Array.from(g16) }));
    expectGrey(r16.image, g16, 65535);
    expect(r16.warnings).toEqual([]);
  });

  it.each([1, 2, 4] as const)('%i-bit greyscale is unpacked and scaled to [0, 1]', (depth) => {
    const max = (1 << depth) - 1;
    const g = [...lcgBytes(depth, W * H)].map((v) => v & max);
    const png = fastPng({ width: W, height: H, channels: 1, depth, data: packRows(g, W, depth) });
    expectGrey(decodeImage(png).image, g, max);
  });

  it('grey+alpha keeps the grey and warns that alpha was dropped', () => {
    const g = [...lcgBytes(11, W * H)];
    const ga = g.flatMap((v, i) => [v, i === 0 ? 0 : 255]);
    const png = fastPng({ width: W, height: H, channels: 2, depth: 8, data: Uint8Array.from(ga) });
    const { image, warnings } = decodeImage(png, 'ga.png');
    expectGrey(image, g, 255);
    expect(warnings).toEqual([`ga.png: alpha channel dropped (${(100 / (W * H)).toFixed(1)}% of pixels not opaque)`]);
  });

  it('RGBA (8 and 16 bit) keeps the colour and warns that alpha was dropped', () => {
    const rgb = lcgBytes(13, W * H * 3);
    const rgba = new Uint8Array(W * H * 4).map((_, i) => (i % 4 === 3 ? 255 : rgb[Math.floor(i / 4) * 3 + (i % 4)]));
    const r8 = decodeImage(fastPng({ width: W, height: H, channels: 4, depth: 8, data: rgba }), 'rgba.png');
    expect(toRgb8(r8.image)).toEqual(rgb);
    expect(r8.warnings).toEqual(['rgba.png: alpha channel dropped (all pixels opaque)']);
    const rgba16 = Uint16Array.from(rgba, (v, i) => (i % 4 === 3 ? 0 : v * 257));
    const r16 = decodeImage(fastPng({ width: W, height: H, channels: 4, depth: 16, data: rgba16 }), 'rgba16.png');
    expect(toRgb8(r16.image)).toEqual(rgb);
    expect(r16.warnings).toEqual(['rgba16.png: alpha channel dropped (100.0% of pixels not opaque)']);
  });

  it('palette images (8-bit and packed 2-bit) map indices through the palette', () => {
    const palette = [[255, 0, 0], [0, 128, 255], [10, 20, 30], [200, 200, 0]];
    const idx = [...lcgBytes(17, W * H)].map((v) => v & 3);
    const expected = Float32Array.from(idx.flatMap((i) => palette[i].map((c) => c / 255)));
    for (const depth of [8, 2] as const) {
      const data = depth === 8 ? Uint8Array.from(idx) : packRows(idx, W, depth);
      const { image, warnings } = decodeImage(fastPng({ width: W, height: H, channels: 1, depth, data, palette }), 'pal.png');
      expect(image.data).toEqual(expected);
      expect(warnings).toEqual([]);
    }
  });

  it('a palette with transparency (tRNS) warns that alpha was dropped', () => {
    // fast-png 8's encoder writes only the non-opaque alphas into tRNS, which is right only
    // when the translucent entries come first in the palette, so they do here.
    const palette = [[0, 0, 255, 0], [255, 0, 0, 255]];
    const idx = Uint8Array.from({ length: W * H }, (_, i) => (i < 7 ? 0 : 1));
    const { image, warnings } = decodeImage(fastPng({ width: W, height: H, channels: 1, depth: 8, data: idx, palette }), 'p.png');
    expect(Array.from(image.data.subarray(0, 3))).toEqual([0, 0, 1]);
    expect(warnings).toEqual([`p.png: alpha channel dropped (${((100 * 7) / (W * H)).toFixed(1)}% of pixels not opaque)`]);
  });

  it('a tRNS colour key on an RGB image is reported and ignored', () => {
    const png = insertAfterIhdr(encodePng(rgbTestImage()), pngChunk('tRNS', new Uint8Array([0, 1, 0, 2, 0, 3])));
    const { image, warnings } = decodeImage(png, 'key.png');
    expect(image.data).toEqual(rgbTestImage().data);
    expect(warnings).toEqual(['key.png: transparent colour key (tRNS) ignored']);
  });

  it('Adam7-interlaced PNGs decode like plain ones', () => {
    const rgb = lcgBytes(19, 13 * 11 * 3);
    const png = encodeWithFastPng({ width: 13, height: 11, channels: 3, depth: 8, data: rgb }, { interlace: 'Adam7' });
    expect(png[28]).toBe(1); // IHDR interlace method
    expect(toRgb8(decodeImage(png).image)).toEqual(rgb);
  });

  it('detects the format from the bytes, not the name', () => {
    const { image } = decodeImage(encodePng(rgbTestImage()), 'really-a-png.jpg');
    expect(image.width).toBe(W);
  });
});

describe('decodeImage: bad PNG input', () => {
  const good = encodePng(rgbTestImage());

  it.each([9, 20, 33, 45, good.length - 20, good.length - 1])('truncated to %i bytes: one clear line', (n) => {
    let message = '';
    try {
      decodeImage(good.subarray(0, n), 'cut.png');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^cut\.png: corrupt or truncated PNG \(.+\)$/);
    expect(message).not.toContain('\n');
  });

  it('a damaged IDAT is caught by its CRC', () => {
    const bad = good.slice();
    bad[50] ^= 0xff;
    expect(() => decodeImage(bad, 'bad.png')).toThrow(/^bad\.png: corrupt or truncated PNG \(.*CRC/i);
  });

  it('IDAT data that is not zlib is reported', () => {
    const junk = pngChunk('IDAT', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    const png = new Uint8Array([...good.subarray(0, 33), ...junk, ...pngChunk('IEND', new Uint8Array(0))]);
    expect(() => decodeImage(png, 'z.png')).toThrow(/^z\.png: corrupt or truncated PNG \(/);
  });

  it('a palette index beyond the palette is reported', () => {
    const png = fastPng({ width: 2, height: 1, channels: 1, depth: 8, data: new Uint8Array([0, 5]), palette: [[1, 2, 3]] });
    expect(() => decodeImage(png, 'idx.png')).toThrow(/^idx\.png: corrupt or truncated PNG \(palette index 5 out of range/);
  });

  it('absurd sizes are refused before decoding', () => {
    expect(() => decodeImage(withIhdrSize(good, 20000, 10), 'wide.png')).toThrow(
      'wide.png: image is 20000x10 pixels, over the limit of 16384 pixels per side',
    );
    expect(() => decodeImage(withIhdrSize(good, 10000, 10000), 'big.png')).toThrow(
      'big.png: image is 10000x10000 = 100.0 Mpx, over the limit of 67.1 Mpx',
    );
    expect(() => decodeImage(withIhdrSize(good, 0, 5), 'zero.png')).toThrow('zero.png: corrupt image header (size 0x5)');
    expect(() => decodeImage(good, 'small-limit.png', { maxPixels: 10 })).toThrow(/over the limit of 0\.0 Mpx/);
  });

  it('unknown data and empty files are named as such', () => {
    expect(() => decodeImage(new TextEncoder().encode('GIF89a....'), 'anim.gif')).toThrow('anim.gif: not a PNG or JPEG file');
    expect(() => decodeImage(good.subarray(0, 5), 'stub.png')).toThrow('stub.png: not a PNG or JPEG file');
    expect(() => decodeImage(new Uint8Array(0), 'empty.png')).toThrow('empty.png: empty file');
    expect(() => decodeImage(new Uint8Array([1, 2, 3]))).toThrow('image: not a PNG or JPEG file');
  });
});
