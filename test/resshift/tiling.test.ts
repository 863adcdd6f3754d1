import { describe, expect, it } from 'vitest';
import { blendTileRows, blendTiles, checkTileOptions, extractTile, planTiles, reflectIndex, type TileLayout } from '../../src/resshift/tiling.js';
import { Rng } from '../../src/tensor/rng.js';

/** Normalised 2-D weight of every tile at every image pixel, and how many tiles cover it. */
function coverage(layout: TileLayout) {
  const { height, width, tiles, rows, cols } = layout;
  const sum = new Float64Array(height * width);
  const count = new Int32Array(height * width);
  const max = new Float64Array(height * width);
  tiles.forEach((t, k) => {
    const wy = rows.weights[Math.floor(k / cols.starts.length)];
    const wx = cols.weights[k % cols.starts.length];
    for (let i = 0; i < t.h && t.y + i < height; i++) {
      for (let j = 0; j < t.w && t.x + j < width; j++) {
        const p = (t.y + i) * width + t.x + j;
        const w = wy[i] * wx[j];
        sum[p] += w;
        count[p]++;
        max[p] = Math.max(max[p], w);
      }
    }
  });
  return { sum, count, max };
}

const randomImage = (c: number, h: number, w: number, seed = 1) => new Rng(seed).fillUniform(new Float32Array(c * h * w), -1, 1);

describe('tile layout', () => {
  it('reflects without repeating the edge, like numpy pad mode reflect, for any distance', () => {
    expect([-3, -2, -1, 0, 1, 2, 3, 4, 5, 6].map((i) => reflectIndex(i, 4))).toEqual([3, 2, 1, 0, 1, 2, 3, 2, 1, 0]);
    expect([9, 10, 11].map((i) => reflectIndex(i, 4))).toEqual([3, 2, 1]);
    expect([0, 1, 5].map((i) => reflectIndex(i, 1))).toEqual([0, 0, 0]);
  });

  it('extracts a tile, reflecting the part that leaves the image and nothing else', () => {
    const [h, w] = [5, 6];
    const src = Float32Array.from({ length: 2 * h * w }, (_, i) => i);
    const t = { y: 0, x: 0, h: 8, w: 8 };
    const out = extractTile(src, 2, h, w, t);
    for (let c = 0; c < 2; c++) for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) {
      expect(out[(c * 8 + i) * 8 + j]).toBe(src[(c * h + reflectIndex(i, h)) * w + reflectIndex(j, w)]);
    }
    expect(out[7 * 8 + 7]).toBe(src[1 * w + 3]); // row 7 -> 1, column 7 -> 3
  });

  it('places equal tiles of at most the tile size on a multiple-of-8 frame, 8-aligned, with at least the overlap; as few and small as can be', () => {
    for (const [H, W, tile, overlap] of [[100, 260, 64, 16], [1000, 508, 256, 32], [36, 52, 16, 8], [257, 256, 256, 32], [300, 300, 64, 0], [512, 512, 256, 32]]) {
      const l = planTiles(H, W, { tile, overlap });
      expect([l.frameH, l.frameW]).toEqual([Math.ceil(H / 8) * 8, Math.ceil(W / 8) * 8]);
      for (const [axis, frame] of [[l.rows, l.frameH], [l.cols, l.frameW]] as const) {
        const n = axis.starts.length;
        const overlaps = axis.starts.slice(1).map((s, k) => axis.starts[k] + axis.size - s);
        expect(axis.size % 8).toBe(0);
        expect(axis.size).toBeLessThanOrEqual(tile);
        expect(axis.starts[0]).toBe(0);
        expect(axis.starts.at(-1)! + axis.size).toBe(frame);
        for (const s of axis.starts) expect(s % 8).toBe(0);
        for (const o of overlaps) expect(o).toBeGreaterThanOrEqual(overlap);
        if (n === 1) expect(axis.size).toBe(frame);
        // one tile fewer could not keep the overlap, even at the full tile size
        if (n > 2) expect(8 * Math.ceil((frame - tile) / 8 / (n - 2))).toBeGreaterThan(tile - overlap);
        // 8 px smaller tiles would not either
        if (n > 1) expect(8 * Math.ceil((frame - axis.size + 8) / 8 / (n - 1))).toBeGreaterThan(axis.size - 8 - overlap);
      }
      expect(l.tiles).toHaveLength(l.rows.starts.length * l.cols.starts.length);
    }
    const l = planTiles(512, 512, { tile: 256, overlap: 32 });
    expect([l.rows.starts, l.rows.size]).toEqual([[0, 160, 320], 192]);
  });

  it('an image smaller than a tile is one tile: its frame', () => {
    const l = planTiles(20, 12, { tile: 256 });
    expect(l.tiles).toEqual([{ y: 0, x: 0, h: 24, w: 16 }]);
    expect(planTiles(4, 4).tiles).toEqual([{ y: 0, x: 0, h: 8, w: 8 }]);
  });

  it('rejects tiles the model cannot take and overlaps that leave no stride', () => {
    expect(() => checkTileOptions(100, 8)).toThrow(/multiple of 8/);
    expect(() => checkTileOptions(0, 0)).toThrow(/multiple of 8/);
    expect(() => checkTileOptions(64, 60)).toThrow(/overlap must be an integer from 0 to tile - 8 = 56/);
    expect(() => checkTileOptions(64, -1)).toThrow(/overlap/);
    expect(() => planTiles(10, 10, { tile: 16, overlap: 12 })).toThrow(/overlap/);
    // the default overlap (32) shrinks to fit small tiles
    expect(planTiles(40, 40, { tile: 16 }).tiles.length).toBeGreaterThan(1);
  });
});

describe('blending weights', () => {
  for (const [H, W, tile, overlap] of [[100, 260, 64, 16], [52, 44, 16, 8], [37, 53, 24, 8], [300, 120, 64, 40]]) {
    it(`sum to 1, are exactly 1 where one tile covers a pixel, lie in [0, 1] (${W}x${H}, tile ${tile}, overlap ${overlap})`, () => {
      const l = planTiles(H, W, { tile, overlap });
      const { sum, count, max } = coverage(l);
      let single = 0;
      let worstSum = 0;
      let uncovered = 0;
      let over = 0;
      let singleNotOne = 0;
      for (let p = 0; p < sum.length; p++) {
        if (count[p] === 0) uncovered++;
        worstSum = Math.max(worstSum, Math.abs(sum[p] - 1));
        if (max[p] > 1) over++;
        if (count[p] === 1) {
          single++;
          if (max[p] !== 1) singleNotOne++;
        }
      }
      expect({ uncovered, over, singleNotOne }).toEqual({ uncovered: 0, over: 0, singleNotOne: 0 });
      expect(worstSum).toBeLessThan(1e-6);
      expect(single).toBeGreaterThan(0);
      expect(l.tiles.length).toBeGreaterThan(1);
    });
  }
});

describe('blendTiles', () => {
  it('returns the image itself when every tile returns its own pixels: padding and cropping line up', async () => {
    for (const [H, W] of [[37, 53], [12, 20], [4, 4], [64, 64]]) {
      const src = randomImage(3, H, W);
      const out = await blendTiles(src, 3, planTiles(H, W, { tile: 16, overlap: 8 }), (px) => px);
      expect(out.reduce((m, v, i) => Math.max(m, Math.abs(v - src[i])), 0)).toBeLessThan(1e-6);
    }
  });

  it('is exact where one tile covers a pixel and a convex mix of the tiles elsewhere', async () => {
    const [H, W] = [44, 52];
    const l = planTiles(H, W, { tile: 24, overlap: 8 });
    const values = l.tiles.map((_, k) => randomImage(1, 24, 24, 10 + k));
    const out = await blendTiles(new Float32Array(H * W), 1, l, (_, __, k) => values[k]);
    const { count } = coverage(l);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const own = l.tiles.flatMap((t, k) => (y >= t.y && y < t.y + t.h && x >= t.x && x < t.x + t.w ? [values[k][(y - t.y) * t.w + x - t.x]] : []));
      const v = out[y * W + x];
      if (count[y * W + x] === 1) expect(v).toBe(own[0]);
      else {
        expect(v).toBeGreaterThanOrEqual(Math.min(...own) - 1e-6);
        expect(v).toBeLessThanOrEqual(Math.max(...own) + 1e-6);
      }
    }
  });

  it('leaves no seam: tiles of different constant values blend with steps of at most 1.5 x difference / overlap', async () => {
    const [H, W, overlap] = [64, 96, 16];
    const l = planTiles(H, W, { tile: 32, overlap });
    const out = await blendTiles(new Float32Array(H * W), 1, l, (px, _, k) => new Float32Array(px.length).fill(k % 2 ? 1 : 0));
    let worst = 0;
    for (let y = 0; y < H; y++) for (let x = 0; x + 1 < W; x++) worst = Math.max(worst, Math.abs(out[y * W + x + 1] - out[y * W + x]));
    for (let y = 0; y + 1 < H; y++) for (let x = 0; x < W; x++) worst = Math.max(worst, Math.abs(out[(y + 1) * W + x] - out[y * W + x]));
    // a hard cut would step by 1; the smoothstep's slope peaks at 1.5 / overlap
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThanOrEqual(1.5 / overlap + 1e-6);
  });
});

describe('blendTileRows', () => {
  /** The whole-image blend, written out: every tile's weighted values added in tile order into one float32 image. */
  function wholeImageBlend(layout: TileLayout, channels: number, results: Float32Array[]): Float32Array {
    const { height, width, rows, cols, tiles } = layout;
    const out = new Float32Array(channels * height * width);
    tiles.forEach((tile, t) => {
      const wy = rows.weights[Math.floor(t / cols.starts.length)];
      const wx = cols.weights[t % cols.starts.length];
      for (let c = 0; c < channels; c++) for (let i = 0; i < tile.h && tile.y + i < height; i++) for (let j = 0; j < tile.w && tile.x + j < width; j++) {
        out[(c * height + tile.y + i) * width + tile.x + j] += wy[i] * wx[j] * results[t][(c * tile.h + i) * tile.w + j];
      }
    });
    return out;
  }

  it('hands out every row once, in order, as soon as no later tile touches it, from a band one tile row high; bit-identical to the whole-image blend', async () => {
    // several tile rows and columns, edge tiles in the frame's margin, and a single-tile-row case
    for (const [H, W, tile, overlap] of [[61, 83, 24, 8], [37, 20, 16, 8], [12, 50, 16, 0], [100, 36, 32, 16]]) {
      const layout = planTiles(H, W, { tile, overlap });
      const results = layout.tiles.map((t, k) => randomImage(3, t.h, t.w, 100 + k));
      const got = new Float32Array(3 * H * W);
      const events: string[] = [];
      let bandBytes = 0;
      await blendTileRows(layout, 3, (_, k) => (events.push(`tile ${k}`), results[k]), (y, row) => {
        events.push(`row ${y}`);
        bandBytes = Math.max(bandBytes, row.buffer.byteLength);
        expect(row.length).toBe(3 * W);
        for (let c = 0; c < 3; c++) got.set(row.subarray(c * W, (c + 1) * W), (c * H + y) * W);
      });
      expect(got).toEqual(wholeImageBlend(layout, 3, results));
      expect(bandBytes).toBe(3 * Math.min(layout.rows.size, H) * W * 4);
      // row y comes after the last tile that covers it and before the first tile row below it
      const rowsOut = events.filter((e) => e.startsWith('row')).map((e) => Number(e.slice(4)));
      expect(rowsOut).toEqual(Array.from({ length: H }, (_, y) => y));
      const nCols = layout.cols.starts.length;
      for (let y = 0; y < H; y++) {
        const at = events.indexOf(`row ${y}`);
        const lastCovering = Math.max(...layout.tiles.flatMap((t, k) => (y >= t.y && y < t.y + t.h ? [k] : [])));
        expect(events.indexOf(`tile ${lastCovering}`)).toBeLessThan(at);
        const below = layout.rows.starts.findIndex((s) => s > y);
        if (below >= 0) expect(events.indexOf(`tile ${below * nCols}`)).toBeGreaterThan(at);
      }
    }
  });

  it('rejects a tile result of the wrong size', async () => {
    const layout = planTiles(16, 16, { tile: 16, overlap: 8 });
    await expect(blendTileRows(layout, 3, () => new Float32Array(5), () => undefined)).rejects.toThrow(/tile 0 returned 5 values, expected 768/);
  });
});
