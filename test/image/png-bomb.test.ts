import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/image/index.js';
import { inflateCapped } from '../../src/image/png-inflate.js';
import { peakRssGrowth, pngFile, zlibZeros } from './png-helpers.js';

// Issue #9 item 1: a 1 MB PNG whose zlib data inflates to 1 GiB, in IDAT or in an iCCP profile.
// Each test file runs in its own process, so the peak-RSS growth measured here is the bomb's
// alone; the iCCP bomb is in png-bomb-iccp.test.ts for that reason.

const GiB = 2 ** 30;

const small = { width: 32, height: 32, colour: 2, depth: 8 };

describe('PNG decompression bombs', () => {
  const bomb = zlibZeros(1024);

  it('the bomb is what it claims: about 1 MB of zlib for 1 GiB of zeros', () => {
    expect(bomb.length).toBeLessThan(1.2e6);
    // The same construction at 8 MiB, through zlib itself (which also checks the Adler-32).
    const eight = inflateSync(zlibZeros(8));
    expect(eight.length).toBe(8 * 2 ** 20);
    expect(eight.every((b) => b === 0)).toBe(true);
  });

  it('IDAT data past the header\'s size is not inflated: bounded memory, a warning', () => {
    const growth = peakRssGrowth();
    const { image, warnings } = decodeImage(pngFile(small, bomb), 'bomb.png');
    expect(growth()).toBeLessThan(64 * 2 ** 20);
    expect([image.width, image.height]).toEqual([32, 32]);
    expect(warnings).toEqual(['bomb.png: image data runs on past the 32x32 pixels the header declares; the rest was ignored']);
  });

  it('inflateCapped stops at the cap however far the stream goes', () => {
    const growth = peakRssGrowth();
    const r = inflateCapped([bomb], 3104);
    expect(r).toMatchObject({ length: 3104, overflow: true });
    expect(r.data.length).toBe(3104);
    expect(growth()).toBeLessThan(64 * 2 ** 20);
    // Split anywhere over several IDATs, the same.
    const parts = [bomb.subarray(0, 3), bomb.subarray(3, 5000), bomb.subarray(5000)];
    expect(inflateCapped(parts, GiB / 1024)).toMatchObject({ length: GiB / 1024, overflow: true });
  });
});
