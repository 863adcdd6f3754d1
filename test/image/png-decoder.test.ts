import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeImage, ImageError } from '../../src/image/index.js';
import { lcgBytes } from './helpers.js';
import { concatBytes, filteredScanlines, ihdr, pngChunk, pngFile, PNG_SIGNATURE, type RawPng } from './png-helpers.js';

// The PNG decoder reads chunks, inflates with a cap and undoes the row filters itself
// (decode-png.ts); these tests build files with every filter type, bit depth and interlacing
// (fast-png's encoder writes only filter type 0) and check the pixels and the errors.

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

function rawImage(width: number, height: number, colour: number, depth: number, seed: number): RawPng {
  const n = width * height * CHANNELS[colour];
  const bytes = lcgBytes(seed, 2 * n);
  const max = (1 << depth) - 1;
  const samples = Array.from({ length: n }, (_, i) => ((bytes[2 * i] << 8) | bytes[2 * i + 1]) & max);
  return { width, height, colour, depth, samples };
}

/** The float RGB the decoder should give: grey expanded, alpha dropped, palette looked up. */
function expectedRgb(p: RawPng, palette?: number[][]): Float32Array {
  const ch = CHANNELS[p.colour];
  const max = (1 << p.depth) - 1;
  const out = new Float32Array(p.width * p.height * 3);
  for (let i = 0; i < p.width * p.height; i++) {
    const s = (c: number) => p.samples[i * ch + c];
    const rgb = palette ? palette[s(0)].slice(0, 3).map((v) => v / 255) : ch >= 3 ? [s(0) / max, s(1) / max, s(2) / max] : [s(0) / max, s(0) / max, s(0) / max];
    out.set(rgb, i * 3);
  }
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

describe('PNG decoder: filters, depths, interlacing', () => {
  const formats: [number, number][] = [[0, 1], [0, 2], [0, 4], [0, 8], [0, 16], [2, 8], [2, 16], [4, 8], [4, 16], [6, 8], [6, 16]];
  const filters: [string, (n: number) => number][] = [
    ['None', () => 0], ['Sub', () => 1], ['Up', () => 2], ['Average', () => 3], ['Paeth', () => 4], ['mixed', (n) => (n * 3) % 5],
  ];

  for (const interlaced of [false, true]) {
    for (const [colour, depth] of formats) {
      it(`colour type ${colour}, ${depth}-bit${interlaced ? ', Adam7' : ''}: every filter type decodes exactly`, () => {
        // 11x9: odd sizes, so packed rows end mid-byte and every Adam7 pass has pixels.
        const raw = { ...rawImage(11, 9, colour, depth, colour * 31 + depth), interlaced };
        for (const [label, filter] of filters) {
          const png = pngFile(raw, deflateSync(filteredScanlines({ ...raw, filter })));
          const { image } = decodeImage(png, `${label}.png`);
          expect(image.data, label).toEqual(expectedRgb(raw));
        }
      });
    }
  }

  it('palette images of 1, 2, 4 and 8 bits, interlaced or not, with tRNS alpha counted', () => {
    const palette = Array.from({ length: 16 }, (_, i) => [i * 16, 255 - i * 16, (i * 77) & 255]);
    const plte = pngChunk('PLTE', Uint8Array.from(palette.flat()));
    for (const depth of [1, 2, 4, 8]) {
      for (const interlaced of [false, true]) {
        const raw = { ...rawImage(13, 7, 3, depth, depth), interlaced };
        raw.samples = Array.from(raw.samples, (v) => v % Math.min(16, 1 << depth));
        const zdata = deflateSync(filteredScanlines({ ...raw, filter: (n) => n % 5 }));
        expect(decodeImage(pngFile(raw, zdata, [plte]), 'p.png')).toEqual({ image: expect.objectContaining({ data: expectedRgb(raw, palette) }), warnings: [] });
        // Entry 0 is fully transparent.
        const trns = pngChunk('tRNS', new Uint8Array([0]));
        const zeros = Array.from(raw.samples).filter((v) => v === 0).length;
        expect(decodeImage(pngFile(raw, zdata, [plte, trns]), 'a.png').warnings).toEqual([
          `a.png: alpha channel dropped (${zeros === 0 ? 'all pixels opaque' : `${((100 * zeros) / (13 * 7)).toFixed(1)}% of pixels not opaque`})`,
        ]);
      }
    }
  });

  it('image data split over many IDAT chunks, at any byte', () => {
    const raw = rawImage(20, 20, 2, 8, 5);
    const z = deflateSync(filteredScanlines({ ...raw, filter: (n) => n % 5 }));
    const idats = [0, 1, 2, 7, 300, z.length].slice(0, -1).map((at, i, cuts) => pngChunk('IDAT', z.subarray(at, cuts[i + 1] ?? z.length)));
    const png = concatBytes(PNG_SIGNATURE, ihdr(20, 20, 8, 2), ...idats, pngChunk('IEND', new Uint8Array(0)));
    expect(decodeImage(png).image.data).toEqual(expectedRgb(raw));
  });

  it('unknown ancillary chunks are skipped, even with a bad CRC', () => {
    const raw = rawImage(4, 4, 2, 8, 9);
    const extra = pngChunk('zTXt', new Uint8Array([1, 2, 3]));
    extra[extra.length - 1] ^= 1;
    expect(decodeImage(pngFile(raw, deflateSync(filteredScanlines(raw)), [extra])).warnings).toEqual([]);
  });
});

describe('PNG decoder: bad input gives one clear line', () => {
  const raw = rawImage(32, 32, 2, 8, 3);
  const scanlines = filteredScanlines(raw);

  const cases: [string, () => Uint8Array, RegExp][] = [
    // Issue #9 item 16: these reached users as fast-png's "Unsupported filter: undefined".
    ['zlib data complete but short', () => pngFile(raw, deflateSync(scanlines.subarray(0, 1552))), /image data ends after 1552 of the 3104 bytes a 32x32 image needs/],
    ['zlib data cut off', () => pngFile(raw, deflateSync(lcgBytes(1, 3104)).subarray(0, 2000)), /image data does not decompress: unexpected EOF/],
    ['unknown filter type', () => pngFile(raw, deflateSync(concatBytes(new Uint8Array([9]), scanlines.subarray(1)))), /unknown filter type 9/],
    ['not zlib at all', () => pngFile(raw, new Uint8Array(64).fill(0xee)), /image data does not decompress: invalid zlib data/],
    ['no image data', () => concatBytes(PNG_SIGNATURE, ihdr(32, 32, 8, 2), pngChunk('IEND', new Uint8Array(0))), /no image data \(IDAT\)/],
    ['IHDR not first', () => concatBytes(PNG_SIGNATURE, pngChunk('gAMA', new Uint8Array(4)), ihdr(2, 2, 8, 2)), /the first chunk is gAMA, not IHDR/],
    ['bad bit depth', () => pngFile({ ...raw, depth: 3 }, deflateSync(scanlines)), /bit depth 3 is not allowed for colour type 2/],
    ['unknown colour type', () => pngFile({ ...raw, colour: 5 }, deflateSync(scanlines)), /unknown colour type 5/],
    ['unknown critical chunk', () => pngFile(raw, deflateSync(scanlines), [pngChunk('ABCD', new Uint8Array(1))]), /unknown critical chunk ABCD/],
    ['garbage chunk type', () => pngFile(raw, deflateSync(scanlines), [pngChunk('a\u0001cd', new Uint8Array(1))]), /invalid chunk type at byte 37/],
    ['palette image without PLTE', () => pngFile({ ...raw, colour: 3 }, deflateSync(scanlines)), /indexed colour without a PLTE palette/],
    ['huge chunk length', () => concatBytes(PNG_SIGNATURE, ihdr(2, 2, 8, 2), new Uint8Array([0xff, 0xff, 0xff, 0xff, 73, 68, 65, 84])), /IDAT chunk length 4294967295 is over the format's limit/],
  ];

  it.each(cases)('%s', (_, make, reason) => {
    const e = errorOf(() => decodeImage(make(), 'x.png'));
    expect(e).toBeInstanceOf(ImageError);
    expect(e!.message).toMatch(/^x\.png: corrupt or truncated PNG \(.+\)$/);
    expect(e!.message).toMatch(reason);
  });

  it('a file cut anywhere (in its own buffer, as read from disk) gives only our messages', () => {
    const png = pngFile(raw, deflateSync(scanlines, { level: 1 }));
    for (let n = 8; n < png.length; n++) {
      const e = errorOf(() => decodeImage(png.slice(0, n), 'cut.png'));
      expect(e, `cut at ${n}`).toBeInstanceOf(ImageError);
      expect(e!.message).toMatch(/^cut\.png: corrupt or truncated PNG \((file ends early|CRC mismatch in the IHDR chunk)\)$/);
    }
  });

  it('a header size the image data could never fill is refused before inflating', () => {
    // 8192 x 8192 RGB needs 201 MB of scanlines; 1 KB of deflate can give at most about 1 MB.
    const png = pngFile({ ...raw, width: 8192, height: 8192 }, deflateSync(lcgBytes(2, 4000)).subarray(0, 1000));
    expect(() => decodeImage(png, 'tiny.png')).toThrow('tiny.png: corrupt or truncated PNG (1000 bytes of image data cannot hold a 8192x8192 image)');
  });

  it('image data past the declared size is ignored with a warning', () => {
    const more = concatBytes(scanlines, scanlines.subarray(0, 97 * 4));
    const { image, warnings } = decodeImage(pngFile(raw, deflateSync(more)), 'long.png');
    expect(image.data).toEqual(expectedRgb(raw));
    expect(warnings).toEqual(['long.png: image data runs on past the 32x32 pixels the header declares; the rest was ignored']);
  });
});
