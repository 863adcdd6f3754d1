import { createImage, type RgbImage } from '../image/types.js';

// The evaluation protocol of the bundled model scores the most textured tiles of each held-out
// photograph: flat sky and blur are where every upscaler (bicubic included) is already right, so
// a mean over whole photographs hides what a model adds. "Textured" is measured on HR alone
// (never on a model's output), so the tiles are the same for every model compared.

export interface Tile {
  /** Left and top of the tile in the source image, in pixels. */
  x: number;
  y: number;
  /** Mean gradient magnitude of the tile's luma (0..1 scale per pixel step). */
  texture: number;
}

/** BT.601 luma of pixel i (RGB in [0, 1]). */
function luma(d: Float32Array, i: number): number {
  return 0.299 * d[i * 3] + 0.587 * d[i * 3 + 1] + 0.114 * d[i * 3 + 2];
}

/**
 * Mean of sqrt(gx² + gy²) over the side x side window at (x0, y0), with forward differences
 * inside the window (the last row and column use only the difference they have).
 */
export function textureOf(image: RgbImage, x0: number, y0: number, side: number): number {
  const { width, data } = image;
  let sum = 0;
  for (let y = y0; y < y0 + side; y++) {
    for (let x = x0; x < x0 + side; x++) {
      const i = y * width + x;
      const v = luma(data, i);
      const gx = x + 1 < x0 + side ? luma(data, i + 1) - v : 0;
      const gy = y + 1 < y0 + side ? luma(data, i + width) - v : 0;
      sum += Math.sqrt(gx * gx + gy * gy);
    }
  }
  return sum / (side * side);
}

/**
 * The `count` most textured side x side tiles of a grid laid from the image's top-left corner
 * (non-overlapping, so no pixel is scored twice), most textured first; ties go to the tile
 * that comes first in reading order, so the choice is a pure function of the image.
 */
export function texturedTiles(image: RgbImage, side: number, count: number): Tile[] {
  if (!Number.isInteger(side) || side < 1 || !Number.isInteger(count) || count < 1) {
    throw new Error(`texturedTiles: side and count must be positive integers, got ${side} and ${count}`);
  }
  const tiles: Tile[] = [];
  for (let y = 0; y + side <= image.height; y += side) {
    for (let x = 0; x + side <= image.width; x += side) tiles.push({ x, y, texture: textureOf(image, x, y, side) });
  }
  // stable sort: equal textures keep reading order
  return tiles.sort((a, b) => b.texture - a.texture).slice(0, count);
}

/** A copy of the tile's pixels. */
export function cutTile(image: RgbImage, t: { x: number; y: number }, side: number): RgbImage {
  if (t.x < 0 || t.y < 0 || t.x + side > image.width || t.y + side > image.height) {
    throw new Error(`cutTile: ${side}x${side} at (${t.x}, ${t.y}) is outside the ${image.width}x${image.height} image`);
  }
  const out = createImage(side, side);
  for (let y = 0; y < side; y++) {
    const src = ((t.y + y) * image.width + t.x) * 3;
    out.data.set(image.data.subarray(src, src + side * 3), y * side * 3);
  }
  return out;
}
