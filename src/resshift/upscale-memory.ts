// How much memory `upscale` needs, part by part, so that a run that cannot fit is refused before
// the work starts and the README can state the bound. upscaleRows holds:
//  - the 8-bit source, 3 bytes per input pixel;
//  - one tile row's band of blended float32 RGB: 12 bytes x output width x tile height, plus the
//    PNG writer's few rows and compressed-data buffers;
//  - one tile at a time: its y0, noise and result arrays on the host (about 64 bytes per tile
//    pixel) and the sampler's tensors. Every activation of a forward pass stays live until the
//    step's scope closes, so a step holds (72 c + 96) values per tile pixel for base width c
//    (measured on ref for c 2, 6, 12: 231, 519 and 946 values; the sampler reads each step back
//    before the next, so only one step's tensors are alive; test/resshift/upscale-memory.test.ts
//    holds the estimate within 10% above the measured peak).
// Nothing grows with the image but the source and the band's width; the JS engine's uncollected
// garbage comes on top (GARBAGE_ALLOWANCE), and the process itself (Node, the model's weights).

import type { UNetConfig } from './model.js';
import { SCALE } from './upscale.js';
import { TILE_MULTIPLE } from './tiling.js';

const MiB = 2 ** 20;
/** Host arrays per tile pixel besides the tensors: y0 window and planes, noise, two result copies. */
const TILE_HOST_BYTES_PER_PX = 64;
/**
 * Allowance over the counted bytes for what the counting misses: garbage not yet collected (the
 * ref backend's arrays and the per-step noise) and the wasm allocator's size classes.
 */
export const MEMORY_SLACK = 1.5;
/**
 * Garbage the JS engine lets pile up before it collects: V8 starts a collection once about
 * 64 MiB of array buffers were allocated since the last one, and every tile makes new ones.
 */
export const GARBAGE_ALLOWANCE = 64 * MiB;

/** Bytes by part (see the top of this file); `total` adds MEMORY_SLACK on the per-tile parts and GARBAGE_ALLOWANCE. */
export interface UpscaleMemory {
  source: number;
  band: number;
  tileHost: number;
  activations: number;
  /** Elements of the largest tensor of a tile's step. */
  largestTensor: number;
  total: number;
}

/** Bytes one sampler step's tensors take for a tile of `pixels` pixels. */
export function activationBytes(config: Pick<UNetConfig, 'baseChannels'>, pixels: number, elementBytes = 4): number {
  // the constant covers the time embedding and the few per-tile scalars; measured (widths 2..16,
  // tiles 32x32..64x64): 61 c + 92 values a pixel at the peak (72 c + 96 before the convolutions
  // applied their ReLU as they write)
  return (62 * config.baseChannels + 96) * elementBytes * pixels + 64 * 1024;
}

/**
 * Elements of the largest tensor a sampler step makes for a tile of `pixels` pixels: the
 * time-embedded features at full resolution, about 6 values a pixel per base channel (31 for
 * the input and its augmentation at tiny widths). What the gpu backend's per-tensor limit (one
 * buffer or texture of its device) meets first (test/resshift/upscale-memory.test.ts measures it).
 */
export function largestSampleTensor(config: Pick<UNetConfig, 'baseChannels'>, pixels: number): number {
  return Math.max(6 * config.baseChannels, 31) * pixels;
}

/** Memory to upscale a width x height input x4 with tiles of at most `tile` output pixels. */
export function upscaleMemory(width: number, height: number, tile: number, config: Pick<UNetConfig, 'baseChannels'>, elementBytes = 4): UpscaleMemory {
  const [W, H] = [width * SCALE, height * SCALE];
  const frame = (n: number) => Math.ceil(n / TILE_MULTIPLE) * TILE_MULTIPLE;
  const tilePx = Math.min(tile, frame(H)) * Math.min(tile, frame(W));
  const source = 3 * width * height;
  // the band, the quantised row, the filter's rows and the deflate stream's input; zlib's state
  // and the compressed chunks waiting for the disk
  const band = 12 * W * Math.min(tile, H) + 10 * 3 * W + 5 * MiB;
  const tileHost = TILE_HOST_BYTES_PER_PX * tilePx;
  const activations = activationBytes(config, tilePx, elementBytes);
  const largestTensor = largestSampleTensor(config, tilePx);
  return { source, band, tileHost, activations, largestTensor, total: source + band + Math.ceil(MEMORY_SLACK * (tileHost + activations)) + GARBAGE_ALLOWANCE };
}

export interface MemoryBudget {
  /** Bytes the process can still take (the source is already held, so it is not counted against this). */
  available: number;
  /** Most bytes one tile's tensors may take, where the backend caps them (wasm32's linear memory). */
  tensorLimit?: number;
  /** Most elements one tensor may have, where the backend caps them (the gpu backend's maxElements). */
  elementLimit?: number;
}

const formatBytes = (n: number) => (n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(1)} GiB` : `${Math.ceil(n / MiB)} MiB`);

function fits(m: UpscaleMemory, budget: MemoryBudget): boolean {
  const tensorsFit = budget.tensorLimit === undefined || MEMORY_SLACK * m.activations <= budget.tensorLimit;
  const elementsFit = budget.elementLimit === undefined || m.largestTensor <= budget.elementLimit;
  return m.total - m.source <= budget.available && tensorsFit && elementsFit;
}

/**
 * Why an upscale with this tile cannot fit the budget, and the largest tile (a multiple of 8 above
 * `overlap`) that would; null when it fits.
 */
export function memoryProblem(
  width: number,
  height: number,
  tile: number,
  overlap: number,
  config: Pick<UNetConfig, 'baseChannels'>,
  budget: MemoryBudget,
  elementBytes = 4,
): string | null {
  const need = upscaleMemory(width, height, tile, config, elementBytes);
  if (fits(need, budget)) return null;
  const smallest = Math.max(TILE_MULTIPLE, overlap + TILE_MULTIPLE);
  let better: number | null = null;
  for (let t = tile - TILE_MULTIPLE; t >= smallest && better === null; t -= TILE_MULTIPLE) {
    if (fits(upscaleMemory(width, height, t, config, elementBytes), budget)) better = t;
  }
  const hostShort = need.total - need.source > budget.available;
  const elementsOver = budget.elementLimit !== undefined && need.largestTensor > budget.elementLimit;
  const what = hostShort
    ? `needs about ${formatBytes(need.total)} of memory and ${formatBytes(budget.available + need.source)} is available`
    : elementsOver
      ? `makes tensors of about ${need.largestTensor} elements, over the backend's ${budget.elementLimit} a tensor`
      : `needs about ${formatBytes(MEMORY_SLACK * need.activations)} per tile for the backend's tensors, over its ${formatBytes(budget.tensorLimit!)}`;
  const fix = better !== null
    ? `--tile ${better} would fit (about ${formatBytes(upscaleMemory(width, height, better, config, elementBytes).total)})`
    : `even --tile ${smallest}${overlap > 0 ? ` (with --overlap ${overlap})` : ''} would not; free some memory`;
  return `upscaling ${width}x${height} to ${width * SCALE}x${height * SCALE} with --tile ${tile} ${what}; ${fix}`;
}
