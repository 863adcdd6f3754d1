import { resizeBicubic } from '../image/resize.js';
import { checkImage, createImage, type RgbImage } from '../image/types.js';
import { tensor } from '../tensor/index.js';
import type { DualDomainUNet } from './model.js';
import { respace } from './respace.js';
import { sample } from './sampler.js';
import type { EtaSchedule } from './schedule.js';
import { blendTiles, planTiles, type TileOptions } from './tiling.js';

export const SCALE = 4;

export interface SuperResolveOptions extends TileOptions {
  schedule: EtaSchedule;
  kappa: number;
  seed: number;
  /** Reverse steps, from 2 to T (default T); fewer respace the process (see respace.ts). */
  steps?: number;
  /** Called after every reverse step of every tile: `done` of `total` tile-steps. */
  onProgress?: (done: number, total: number) => void;
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

/**
 * The sampler's output for y0 (the bicubic upsample, any size), tile by tile: memory grows with
 * the tile size, not the image (apart from the host-side images). Same seed, same backend, same
 * result, bit for bit. The result is a float image in [0, 1]; callers quantise as they need.
 */
export async function superResolve(model: DualDomainUNet, y0: RgbImage, opts: SuperResolveOptions): Promise<RgbImage> {
  checkImage(y0, 'y0');
  const { width, height } = y0;
  const layout = planTiles(height, width, opts);
  const sp = respace(opts.schedule, opts.steps ?? opts.schedule.T);
  const perTile = sp.timesteps.length;
  const total = layout.tiles.length * perTile;
  const backend = model.parameters()[0]?.backend;
  let done = 0;
  const planar = await blendTiles(toModelSpace(y0), 3, layout, async (pixels, tile) => {
    const x = tensor(pixels, [1, 3, tile.h, tile.w], { backend });
    try {
      const win = { fullH: layout.frameH, fullW: layout.frameW, y: tile.y, x: tile.x };
      const out = sample(model, x, { schedule: sp.schedule, modelTimesteps: sp.timesteps, kappa: opts.kappa, seed: opts.seed, onStep: () => opts.onProgress?.(++done, total) }, win);
      try {
        return Float32Array.from(await out.data());
      } finally {
        out.dispose();
      }
    } finally {
      x.dispose();
    }
  });
  return fromModelSpace(planar, width, height);
}

/** x4 super-resolution of a low-resolution image: y0 = Pillow-exact bicubic x4, then superResolve. */
export async function upscaleImage(model: DualDomainUNet, lr: RgbImage, opts: SuperResolveOptions): Promise<RgbImage> {
  checkImage(lr, 'input');
  return superResolve(model, resizeBicubic(lr, lr.width * SCALE, lr.height * SCALE), opts);
}
