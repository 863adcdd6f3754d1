import { describe, expect, test } from 'vitest';
import { createImage } from '../../src/image/types.js';
import { cutTile, texturedTiles, textureOf } from '../../src/resshift/eval-tiles.js';

/** 8x4 image: left half flat grey, right half a checkerboard (the most texture there can be). */
function halfChecker() {
  const im = createImage(8, 4);
  for (let y = 0; y < 4; y++) {
    for (let x = 0; x < 8; x++) {
      const v = x < 4 ? 0.5 : (x + y) % 2;
      im.data.fill(v, (y * 8 + x) * 3, (y * 8 + x) * 3 + 3);
    }
  }
  return im;
}

describe('textured evaluation tiles', () => {
  test('texture is zero on a flat tile and sqrt(2)·(n-1)²/n² + edges on a checkerboard', () => {
    const im = halfChecker();
    expect(textureOf(im, 0, 0, 4)).toBe(0);
    // 3x3 interior pixels with |gx| = |gy| = 1, 3 right-column and 3 bottom-row pixels with one unit step each
    expect(textureOf(im, 4, 0, 4)).toBeCloseTo((9 * Math.SQRT2 + 6) / 16, 6);
  });

  test('picks the most textured grid tiles first, ties in reading order, and cuts their pixels', () => {
    const im = halfChecker();
    const tiles = texturedTiles(im, 2, 3);
    expect(tiles.map((t) => [t.x, t.y])).toEqual([
      [4, 0],
      [6, 0],
      [4, 2],
    ]);
    const t = cutTile(im, tiles[0], 2);
    expect([...t.data.filter((_, i) => i % 3 === 0)]).toEqual([0, 1, 1, 0]);
    expect(texturedTiles(im, 5, 1)).toHaveLength(0); // no 5x5 tile fits in a height of 4
  });
});
