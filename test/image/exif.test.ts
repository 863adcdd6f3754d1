import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/image/decode.js';
import { applyOrientation, jpegOrientation } from '../../src/image/exif.js';
import { toRgb8 } from '../../src/image/quantize.js';
import { exifSegment, orientedJpeg, QUADRANTS, withSegment } from './exif-jpeg.js';
import jpeg from 'jpeg-js';

type Corner = keyof typeof QUADRANTS;
// What each orientation shows in the displayed corners (tl, tr, bl, br), from the EXIF spec's
// wording ("the 0th row is the visual right-hand side, the 0th column the visual top" for 6, ...)
const SHOWN: Record<number, [Corner, Corner, Corner, Corner]> = {
  1: ['tl', 'tr', 'bl', 'br'],
  2: ['tr', 'tl', 'br', 'bl'],
  3: ['br', 'bl', 'tr', 'tl'],
  4: ['bl', 'br', 'tl', 'tr'],
  5: ['tl', 'bl', 'tr', 'br'],
  6: ['bl', 'tl', 'br', 'tr'],
  7: ['br', 'tr', 'bl', 'tl'],
  8: ['tr', 'br', 'tl', 'bl'],
};

function pixel(rgb: Uint8Array, width: number, x: number, y: number): number[] {
  return [...rgb.subarray((y * width + x) * 3, (y * width + x) * 3 + 3)];
}

describe('EXIF orientation of JPEGs', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('orientation %i is applied in decode (size and corners)', (o) => {
    for (const order of ['MM', 'II'] as const) {
      const bytes = orientedJpeg(48, 32, o, order);
      expect(jpegOrientation(bytes)).toBe(o);
      const { image } = decodeImage(bytes, 'photo.jpg');
      const [w, h] = o >= 5 ? [32, 48] : [48, 32];
      expect([image.width, image.height]).toEqual([w, h]);
      const rgb = toRgb8(image);
      const corners = [pixel(rgb, w, 2, 2), pixel(rgb, w, w - 3, 2), pixel(rgb, w, 2, h - 3), pixel(rgb, w, w - 3, h - 3)];
      SHOWN[o].forEach((q, i) => corners[i].forEach((v, c) => expect(Math.abs(v - QUADRANTS[q][c]), `${order} corner ${i}`).toBeLessThan(24)));
    }
  });

  it('the issue case: a 48x32 stored photo with orientation 6 decodes as a 32x48 portrait', () => {
    const { image } = decodeImage(orientedJpeg(48, 32, 6), 'phone.jpg');
    expect([image.width, image.height]).toEqual([32, 48]);
  });

  it('applyOrientation is a permutation that 6 then 8 undoes', () => {
    const data = Uint8Array.from({ length: 5 * 3 * 2 }, (_, i) => i);
    const turned = applyOrientation(data, 5, 3, 2, 6);
    expect([...turned].sort((a, b) => a - b)).toEqual([...data]);
    expect(applyOrientation(turned, 3, 5, 2, 8)).toEqual(data);
    expect(applyOrientation(data, 5, 3, 2, 1)).toBe(data);
  });

  it('hostile EXIF blocks read as orientation 1 and never read past the segment', () => {
    const plain = new Uint8Array(jpeg.encode({ width: 8, height: 8, data: new Uint8Array(256).fill(128) }, 90).data);
    const good = exifSegment(6);
    const cases: Uint8Array[] = [];
    // every truncation of the segment, with its length field shortened to match
    for (let n = 4; n < good.length; n++) {
      const seg = good.slice(0, n);
      seg[2] = (n - 2) >> 8;
      seg[3] = (n - 2) & 255;
      cases.push(seg);
    }
    // an IFD offset far outside, an entry count of 65535, a wrong type, a value of 9, a length past the file
    const patch = (at: number, bytes: number[]) => { const s = good.slice(); s.set(bytes, at); return s; };
    const tiff = 10; // APP1 marker, length, "Exif\0\0"
    cases.push(patch(tiff + 4, [0x7f, 0xff, 0xff, 0xff]), patch(tiff + 8, [0xff, 0xff]), patch(tiff + 10 + 12 + 2, [0, 4]), patch(tiff + 10 + 12 + 8, [0, 9]), patch(2, [0xff, 0xff]));
    for (const seg of cases) {
      const bytes = withSegment(plain, seg);
      const o = jpegOrientation(bytes);
      expect([1, 6]).toContain(o);
      // the segment length check: one cut inside the Orientation entry (it ends at byte 44:
      // APP1 header 4, "Exif\0\0" 6, TIFF header 8, count 2, two entries of 12) must not find it
      if (seg.length < 44) expect(o).toBe(1);
    }
    // the truncated file itself: the walk stops at its end
    const full = withSegment(plain, good);
    for (let n = 0; n < 40; n++) expect(() => jpegOrientation(full.subarray(0, n))).not.toThrow();
    expect(jpegOrientation(full.subarray(0, 30))).toBe(1);
    // random bytes after SOI: no throw
    let seed = 7;
    for (let k = 0; k < 300; k++) {
      const r = new Uint8Array(64).map(() => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24));
      r.set([0xff, 0xd8, 0xff, 0xe1], 0);
      expect(() => jpegOrientation(r)).not.toThrow();
    }
  });
});
