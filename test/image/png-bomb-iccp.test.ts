import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/image/index.js';
import { concatBytes, filteredScanlines, peakRssGrowth, pngChunk, pngFile, zlibZeros } from './png-helpers.js';

// Issue #9 item 1, second half: a 1 GiB zlib stream as an iCCP profile. In its own file (its own
// process) so that the peak-RSS growth is this bomb's alone.

describe('PNG decompression bombs', () => {
  it('a compressed iCCP profile is skipped, not inflated', () => {
    const small = { width: 32, height: 32, colour: 2, depth: 8 };
    const pixels = deflateSync(filteredScanlines({ ...small, samples: new Uint8Array(32 * 32 * 3).fill(7) }));
    const iccp = pngChunk('iCCP', concatBytes(new TextEncoder().encode('bomb\0\0'), zlibZeros(1024)));
    const growth = peakRssGrowth();
    const { image, warnings } = decodeImage(pngFile(small, pixels, [iccp]), 'iccp.png');
    expect(growth()).toBeLessThan(64 * 2 ** 20);
    expect(warnings).toEqual([]);
    expect(image.data[0]).toBe(Math.fround(7 / 255));
  });
});
