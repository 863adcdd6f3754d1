// Checks of the API's options, done where the call is made (before any work, and before a
// worker is involved), each failure one line naming the option.
import { DEFAULT_OVERLAP, DEFAULT_TILE, checkTileOptions } from '../resshift/tiling.js';
import type { ModelInfo, Pixels, RgbPixels, SamplingOptions } from './types.js';

export interface Sampling {
  steps: number;
  tile: number;
  overlap: number;
  seed: number;
}

export function resolveSampling(fn: string, info: ModelInfo, o: SamplingOptions): Sampling {
  const T = info.diffusion.T;
  const steps = o.steps ?? T;
  if (!Number.isInteger(steps) || steps < 2 || steps > T) throw new Error(`${fn}: steps must be an integer from 2 to ${T} (the model's T), got ${o.steps}`);
  const tile = o.tile ?? DEFAULT_TILE;
  const overlap = o.overlap ?? DEFAULT_OVERLAP;
  try {
    checkTileOptions(tile, overlap);
  } catch (e) {
    throw new Error(`${fn}: tile ${tile}, overlap ${overlap}: ${(e as Error).message}`);
  }
  const seed = o.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`${fn}: seed must be a non-negative integer, got ${o.seed}`);
  return { steps, tile, overlap, seed };
}

export function checkThreads(fn: string, threads: number | undefined): void {
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) throw new Error(`${fn}: threads must be a positive integer, got ${threads}`);
}

/** The image as tightly packed 8-bit RGB (a copy: the caller's buffer is never kept or changed). */
export function toRgb(fn: string, image: Pixels): RgbPixels {
  const { width, height, data } = image ?? ({} as Pixels);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new Error(`${fn}: image size must be positive integers, got ${width}x${height}`);
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray)) throw new Error(`${fn}: image data must be a Uint8Array or Uint8ClampedArray (8-bit RGB or RGBA)`);
  const n = width * height;
  if (data.length === n * 3) return { width, height, data: new Uint8Array(data) };
  if (data.length !== n * 4) throw new Error(`${fn}: image data has ${data.length} bytes; ${width}x${height} needs ${n * 3} (RGB) or ${n * 4} (RGBA)`);
  const rgb = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    rgb[i * 3] = data[i * 4];
    rgb[i * 3 + 1] = data[i * 4 + 1];
    rgb[i * 3 + 2] = data[i * 4 + 2];
  }
  return { width, height, data: rgb };
}
