import { quantizeSample } from '../image/quantize.js';
import { resizeBicubic, resizeBicubicRegionU8 } from '../image/resize.js';
import { checkImage, createImage, type RgbImage } from '../image/types.js';
import { tensor } from '../tensor/index.js';
import type { DualDomainUNet } from './model.js';
import { respace } from './respace.js';
import { sample } from './sampler.js';
import type { EtaSchedule } from './schedule.js';
import { blendTileRows, blendTiles, planTiles, reflectIndex, type Tile, type TileLayout, type TileOptions } from './tiling.js';

export const SCALE = 4;

export interface SuperResolveOptions extends TileOptions {
  schedule: EtaSchedule;
  kappa: number;
  seed: number;
  /** Reverse steps, from 2 to T (default T); fewer respace the process (see respace.ts). */
  steps?: number;
  /** Called after every reverse step of every tile: `done` of `total` tile-steps. */
  onProgress?: (done: number, total: number) => void;
  /** Checked before every tile and after every reverse step: an abort stops the work there, rejecting with its reason. */
  signal?: AbortSignal;
}

/** Tiles x steps that superResolve runs for a y0 of this size: the progress total. */
export function tileSteps(height: number, width: number, opts: TileOptions & { schedule: EtaSchedule; steps?: number }): number {
  return planTiles(height, width, opts).tiles.length * (opts.steps ?? opts.schedule.T);
}

/** HWC [0, 1] -> planar [3, H, W] in the model's [-1, 1]. */
function toModelSpace(image: RgbImage): Float32Array {
  const { width: w, height: h, data } = image;
  const plane = w * h;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) out[c * plane + i] = data[i * 3 + c] * 2 - 1;
  return out;
}

function fromModelSpace(planar: Float32Array, width: number, height: number): RgbImage {
  const plane = width * height;
  const out = createImage(width, height);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const v = (planar[c * plane + i] + 1) / 2;
      out.data[i * 3 + c] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  }
  return out;
}

/** Runs the sampler on one tile's y0 ([3, tile.h, tile.w] in model space); returns the same shape. */
export type TileRunner = (pixels: Float32Array, tile: Tile, index: number) => Promise<Float32Array>;

function tileSampler(model: DualDomainUNet, layout: TileLayout, opts: SuperResolveOptions): TileRunner {
  const sp = respace(opts.schedule, opts.steps ?? opts.schedule.T);
  const total = layout.tiles.length * sp.timesteps.length;
  const backend = model.parameters()[0]?.backend;
  let done = 0;
  return async (pixels, tile) => {
    // A tile's steps run without a break; between tiles the event loop gets a turn (a timer, not a
    // microtask), so a Ctrl-C handler, file writes and progress redraws are not held off until the end.
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    opts.signal?.throwIfAborted();
    const x = tensor(pixels, [1, 3, tile.h, tile.w], { backend });
    try {
      const win = { fullH: layout.frameH, fullW: layout.frameW, y: tile.y, x: tile.x };
      const onStep = () => {
        opts.onProgress?.(++done, total);
        // the sampler frees the tile's tensors when this throws
        opts.signal?.throwIfAborted();
      };
      const out = await sample(model, x, { schedule: sp.schedule, modelTimesteps: sp.timesteps, kappa: opts.kappa, seed: opts.seed, onStep }, win);
      try {
        return Float32Array.from(await out.data());
      } finally {
        out.dispose();
      }
    } finally {
      x.dispose();
    }
  };
}

/**
 * The sampler's output for y0 (the bicubic upsample, any size), tile by tile, as a whole float
 * image in [0, 1] (callers quantise as they need); upscaleRows streams instead. Same seed, same
 * backend, same result, bit for bit.
 */
export async function superResolve(model: DualDomainUNet, y0: RgbImage, opts: SuperResolveOptions): Promise<RgbImage> {
  checkImage(y0, 'y0');
  const { width, height } = y0;
  const layout = planTiles(height, width, opts);
  const planar = await blendTiles(toModelSpace(y0), 3, layout, tileSampler(model, layout, opts));
  return fromModelSpace(planar, width, height);
}

/** x4 super-resolution of a low-resolution image: y0 = Pillow-exact bicubic x4, then superResolve. */
export async function upscaleImage(model: DualDomainUNet, lr: RgbImage, opts: SuperResolveOptions): Promise<RgbImage> {
  checkImage(lr, 'input');
  return superResolve(model, resizeBicubic(lr, lr.width * SCALE, lr.height * SCALE), opts);
}

/** An 8-bit RGB image, HWC, 3 bytes a pixel: the source that upscaleRows reads. */
export interface Rgb8Image {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Model-space value of each 8-bit y0 sample, rounded as toModelSpace(fromRgb8(...)) rounds it. */
const MODEL_SPACE = Float32Array.from({ length: 256 }, (_, u) => Math.fround(u / 255) * 2 - 1);

/** Smallest and largest value (a loop: a spread of a frame-sized array can overflow the stack). */
function range(v: Int32Array): [number, number] {
  let [lo, hi] = [v[0], v[0]];
  for (const x of v) [lo, hi] = [Math.min(lo, x), Math.max(hi, x)];
  return [lo, hi];
}

/**
 * One tile of y0 = the Pillow-exact bicubic x4 of `lr`, in model space ([3, tile.h, tile.w]),
 * reflected where the tile leaves the image as extractTile reflects: the same values as the
 * tile of the whole upsample, computed from only the source rows and columns its taps need.
 */
export function bicubicTile(lr: Rgb8Image, tile: Tile): Float32Array {
  const [W, H] = [lr.width * SCALE, lr.height * SCALE];
  const rows = Int32Array.from({ length: tile.h }, (_, i) => reflectIndex(tile.y + i, H));
  const cols = Int32Array.from({ length: tile.w }, (_, j) => reflectIndex(tile.x + j, W));
  const [y0, y1] = range(rows);
  const [x0, x1] = range(cols);
  const region = { y: y0, x: x0, h: y1 - y0 + 1, w: x1 - x0 + 1 };
  const win = resizeBicubicRegionU8(lr.data, lr.width, lr.height, W, H, region, 3);
  const out = new Float32Array(3 * tile.h * tile.w);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < tile.h; i++) {
      const row = (rows[i] - y0) * region.w;
      const o = (c * tile.h + i) * tile.w;
      for (let j = 0; j < tile.w; j++) out[o + j] = MODEL_SPACE[win[(row + cols[j] - x0) * 3 + c]];
    }
  }
  return out;
}

function checkRgb8(lr: Rgb8Image): void {
  const { width, height, data } = lr;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new Error(`input: bad size ${width}x${height}`);
  if (!(data instanceof Uint8Array) || data.length !== width * height * 3) throw new Error(`input: data must be a Uint8Array of ${width}x${height}x3 = ${width * height * 3} bytes`);
}

/** Receives output row y as 8-bit RGB (HWC, width x 3 bytes), valid until the returned promise settles. */
export type RowSink = (y: number, rgb: Uint8Array) => void | Promise<void>;

/**
 * x4 super-resolution streamed by rows, with any per-tile runner (the sampler in upscaleRows):
 * each tile's y0 is computed from the source pixels it needs, tile outputs are blended into one
 * tile row's band, and rows go to `onRow` in order, quantised to 8 bits, as they become final.
 * The host holds the 8-bit source, the band and one tile; the rows are those of
 * encodePng(upscaleImage(...)), bit for bit.
 */
export async function upscaleRowsWith(lr: Rgb8Image, opts: TileOptions, run: TileRunner, onRow: RowSink): Promise<void> {
  checkRgb8(lr);
  const [W, H] = [lr.width * SCALE, lr.height * SCALE];
  const layout = planTiles(H, W, opts);
  const rgb = new Uint8Array(W * 3);
  await blendTileRows(layout, 3, (tile, t) => run(bicubicTile(lr, tile), tile, t), (y, row) => {
    // fromModelSpace's float, then encodePng's rounding
    for (let c = 0; c < 3; c++) {
      for (let x = 0; x < W; x++) {
        const v = (row[c * W + x] + 1) / 2;
        rgb[x * 3 + c] = quantizeSample(Math.fround(v < 0 ? 0 : v > 1 ? 1 : v), 255);
      }
    }
    return onRow(y, rgb);
  });
}

/**
 * x4 super-resolution of an 8-bit image, streamed: rows of the 8-bit result go to `onRow` in
 * order as they become final. Host memory is the source, one tile row's band (12 bytes per
 * output pixel of it) and one tile's sampler (see upscale-memory.ts), whatever the image size.
 */
export async function upscaleRows(model: DualDomainUNet, lr: Rgb8Image, opts: SuperResolveOptions, onRow: RowSink): Promise<void> {
  checkRgb8(lr);
  const layout = planTiles(lr.height * SCALE, lr.width * SCALE, opts);
  await upscaleRowsWith(lr, opts, tileSampler(model, layout, opts), onRow);
}
