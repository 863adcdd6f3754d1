// Tiled inference for images of any size, with memory bounded by the tile size.
//
// The image (in y0 space) is first extended by reflection to the "frame", the next multiple of 8
// in each direction (the model pools twice and then applies a Haar transform). The frame is cut
// into equal tiles of at most `tile` pixels whose corners are multiples of 8, so every tile sees
// the same pooling grid as its neighbours, spaced evenly with at least `overlap` pixels shared by
// neighbours: the fewest tiles the size limit allows, shrunk to the smallest size that still
// covers the frame (512 px with tile 256 and overlap 32 takes 3 tiles of 192, not of 256). A side
// that fits in one tile gets one tile of the frame's length. The sampler's noise is indexed by
// position in the frame, so overlapping tiles draw the same noise.
//
// Blending: along each axis a tile has weight 1 except in the overlaps with its neighbours, where
// it ramps down with a smoothstep while the neighbour ramps up; the weights are then divided by
// their sum, per axis, and a pixel's weight for a tile is the product of its row and column
// weights. So the weights sum to 1 everywhere (to rounding), a pixel that only one tile covers
// takes that tile's value unchanged (its weight is exactly 1), and elsewhere the result is a
// convex combination of the covering tiles' values. The smoothstep is a polynomial, not Math.cos,
// so weights are bit-identical on every JS engine.

/** A tile: its top-left corner and size in the frame (the sampler's TileWindow coordinates). */
export interface Tile {
  y: number;
  x: number;
  h: number;
  w: number;
}

/** Where the tiles of one axis start; all have the same length. */
export interface AxisPlan {
  starts: number[];
  size: number;
  /** Blending weight of each tile at each of its positions (already normalised). */
  weights: Float32Array[];
}

export interface TileLayout {
  height: number;
  width: number;
  /** The frame: the image extended by reflection to multiples of 8. */
  frameH: number;
  frameW: number;
  rows: AxisPlan;
  cols: AxisPlan;
  /** Row-major: tile (i, j) is tiles[i * cols.starts.length + j]. */
  tiles: Tile[];
}

export interface TileOptions {
  /** Tile side in pixels, a multiple of 8 (default 256). */
  tile?: number;
  /** Pixels shared by neighbouring tiles, at least (default 32). */
  overlap?: number;
}

export const DEFAULT_TILE = 256;
export const DEFAULT_OVERLAP = 32;
/** The model's size granule: two 2x poolings, then a Haar transform. */
export const TILE_MULTIPLE = 8;

const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;

/** Throws unless the tile and overlap can tile an image (tile a multiple of 8, overlap < tile - 7). */
export function checkTileOptions(tile: number, overlap: number): void {
  if (!Number.isInteger(tile) || tile < TILE_MULTIPLE || tile % TILE_MULTIPLE) {
    throw new Error(`tile size must be a positive multiple of ${TILE_MULTIPLE} (the model pools twice, then applies a Haar transform), got ${tile}`);
  }
  if (!Number.isInteger(overlap) || overlap < 0 || overlap > tile - TILE_MULTIPLE) {
    throw new Error(`tile overlap must be an integer from 0 to tile - ${TILE_MULTIPLE} = ${tile - TILE_MULTIPLE}, got ${overlap}`);
  }
}

function smoothstep(u: number): number {
  return u * u * (3 - 2 * u);
}

/** Starts of n tiles of `size` along a frame axis: multiples of 8, evenly spread, first 0, last at the end. */
function spread(frame: number, size: number, n: number): number[] {
  const units = (frame - size) / TILE_MULTIPLE;
  return Array.from({ length: n }, (_, k) => (n === 1 ? 0 : TILE_MULTIPLE * Math.round((k * units) / (n - 1))));
}

/** Whether n tiles of `size` cover the frame with neighbours sharing at least `overlap`. */
function fits(frame: number, size: number, n: number, overlap: number): boolean {
  if (n === 1) return size >= frame;
  // the largest stride after rounding the starts to whole units
  return TILE_MULTIPLE * Math.ceil((frame - size) / TILE_MULTIPLE / (n - 1)) <= size - overlap;
}

/**
 * The fewest tiles of at most `tile` pixels, then the smallest size (a multiple of 8) that still
 * covers the frame with that many: as many tiles as the limit needs, and no more pixels.
 */
function axisLayout(frame: number, tile: number, overlap: number): { starts: number[]; size: number } {
  if (frame <= tile) return { starts: [0], size: frame };
  let n = 2;
  while (!fits(frame, tile, n, overlap)) n++;
  let size = Math.max(overlap + TILE_MULTIPLE, TILE_MULTIPLE * Math.ceil(frame / n / TILE_MULTIPLE));
  while (!fits(frame, size, n, overlap)) size += TILE_MULTIPLE;
  return { starts: spread(frame, size, n), size };
}

function axisPlan(frame: number, tile: number, overlap: number): AxisPlan {
  const { starts, size } = axisLayout(frame, tile, overlap);
  const raw = starts.map((s, k) => {
    const w = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      const p = s + i;
      let v = 1;
      if (k > 0 && p < starts[k - 1] + size) {
        const len = starts[k - 1] + size - s;
        v *= smoothstep((p - s + 0.5) / len);
      }
      if (k < starts.length - 1 && p >= starts[k + 1]) {
        const len = s + size - starts[k + 1];
        v *= smoothstep((s + size - p - 0.5) / len);
      }
      w[i] = v;
    }
    return w;
  });
  const total = new Float64Array(frame);
  starts.forEach((s, k) => raw[k].forEach((v, i) => (total[s + i] += v)));
  const weights = starts.map((s, k) => Float32Array.from(raw[k], (v, i) => v / total[s + i]));
  return { starts, size, weights };
}

/** The tiles and blending weights for an image of `height` x `width` (in y0 space). */
export function planTiles(height: number, width: number, opts: TileOptions = {}): TileLayout {
  const tile = opts.tile ?? DEFAULT_TILE;
  // the default overlap shrinks for small tiles; an explicit one is checked as given
  const overlap = opts.overlap ?? Math.min(DEFAULT_OVERLAP, tile - TILE_MULTIPLE);
  checkTileOptions(tile, overlap);
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new Error(`planTiles: image size must be positive integers, got ${width}x${height}`);
  }
  const frameH = roundUp(height, TILE_MULTIPLE);
  const frameW = roundUp(width, TILE_MULTIPLE);
  const rows = axisPlan(frameH, tile, overlap);
  const cols = axisPlan(frameW, tile, overlap);
  const tiles = rows.starts.flatMap((y) => cols.starts.map((x) => ({ y, x, h: rows.size, w: cols.size })));
  return { height, width, frameH, frameW, rows, cols, tiles };
}

/** Index into [0, n) of position i mirrored at the borders without repeating the edge (numpy 'reflect'). */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const m = ((i % period) + period) % period;
  return m < n ? m : period - m;
}

/**
 * The pixels of `tile` from a planar image `src` ([C, height, width]); positions outside the image
 * (the frame's margin) are reflected back into it. Returns [C, tile.h, tile.w].
 */
export function extractTile(src: Float32Array, channels: number, height: number, width: number, tile: Tile): Float32Array {
  if (src.length !== channels * height * width) throw new Error(`extractTile: ${src.length} values for ${channels}x${height}x${width}`);
  const out = new Float32Array(channels * tile.h * tile.w);
  const cols = Int32Array.from({ length: tile.w }, (_, j) => reflectIndex(tile.x + j, width));
  let o = 0;
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < tile.h; i++) {
      const row = (c * height + reflectIndex(tile.y + i, height)) * width;
      for (let j = 0; j < tile.w; j++) out[o++] = src[row + cols[j]];
    }
  }
  return out;
}

/**
 * Runs `run` on every tile (in row-major order, one at a time) and blends the results, handing
 * the image's rows to `emit` in order as they become final: the rows above the next tile row's
 * top are final once the current tile row is done, so only one tile row's band of rows
 * (channels x tile height x width floats) is held. `run` returns [C, tile.h, tile.w]; `emit`
 * gets row y as [C, width] (planar), valid until it returns. The frame's margin is cropped away.
 * Each pixel sums its tiles' weighted values in tile order, in float32, so the result does not
 * depend on how the rows are handed out.
 */
export async function blendTileRows(
  layout: TileLayout,
  channels: number,
  run: (tile: Tile, index: number) => Float32Array | Promise<Float32Array>,
  emit: (y: number, row: Float32Array) => void | Promise<void>,
): Promise<void> {
  const { height, width, rows, cols, tiles } = layout;
  const nCols = cols.starts.length;
  const rowLen = channels * width;
  // rows [top, top + bandRows) of the image, [row][channel][x]
  const bandRows = Math.min(rows.size, height);
  const band = new Float32Array(bandRows * rowLen);
  let top = 0;
  for (let r = 0; r < rows.starts.length; r++) {
    for (let q = 0; q < nCols; q++) {
      const t = r * nCols + q;
      const tile = tiles[t];
      const result = await run(tile, t);
      if (result.length !== channels * tile.h * tile.w) throw new Error(`blendTiles: tile ${t} returned ${result.length} values, expected ${channels * tile.h * tile.w}`);
      const wy = rows.weights[r];
      const wx = cols.weights[q];
      const h = Math.min(tile.h, height - tile.y);
      const w = Math.min(tile.w, width - tile.x);
      for (let c = 0; c < channels; c++) {
        for (let i = 0; i < h; i++) {
          const src0 = (c * tile.h + i) * tile.w;
          const dst0 = (tile.y - top + i) * rowLen + c * width + tile.x;
          for (let j = 0; j < w; j++) band[dst0 + j] += wy[i] * wx[j] * result[src0 + j];
        }
      }
    }
    // rows above the next tile row are final; the rest move to the top of the band
    const next = r + 1 < rows.starts.length ? rows.starts[r + 1] : height;
    for (let y = top; y < next; y++) await emit(y, band.subarray((y - top) * rowLen, (y - top + 1) * rowLen));
    band.copyWithin(0, (next - top) * rowLen);
    band.fill(0, band.length - (next - top) * rowLen);
    top = next;
  }
}

/**
 * Runs `run` on every tile (in row-major order, one at a time) and blends the results into a
 * planar [C, height, width] image; the frame's margin is cropped away. `run` gets the tile's
 * pixels ([C, tile.h, tile.w], reflected where the tile leaves the image) and returns the same shape.
 */
export async function blendTiles(
  src: Float32Array,
  channels: number,
  layout: TileLayout,
  run: (pixels: Float32Array, tile: Tile, index: number) => Float32Array | Promise<Float32Array>,
): Promise<Float32Array> {
  const { height, width } = layout;
  const out = new Float32Array(channels * height * width);
  await blendTileRows(
    layout,
    channels,
    (tile, t) => run(extractTile(src, channels, height, width, tile), tile, t),
    (y, row) => {
      for (let c = 0; c < channels; c++) out.set(row.subarray(c * width, (c + 1) * width), (c * height + y) * width);
    },
  );
  return out;
}
