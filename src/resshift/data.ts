// Training and validation images (Node). Every image is decoded once at start-up, so a corrupt
// file stops the run before any work is done; its 8-bit RGB pixels stay cached while they fit
// the byte budget, and images past the budget are decoded again when drawn (same bytes, so the
// results do not depend on the budget).
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { listImages, readImageFile } from '../image/files.js';
import { DEFAULT_DECODE_LIMITS } from '../image/limits.js';
import { toRgb8 } from '../image/quantize.js';
import { resizeBicubicU8 } from '../image/resize.js';

/** A problem with the dataset (missing or empty folder, corrupt image): one line naming it. */
export class DatasetError extends Error {}

export interface DatasetDirs {
  train: string;
  /** The validation folder: given, or `valid/HR` beside `train/HR` in the reference layout. */
  valid?: string;
}

async function isDir(p: string): Promise<boolean> {
  return (await stat(p).catch(() => null))?.isDirectory() ?? false;
}

/**
 * `data` is either a folder of images or the reference layout (a folder holding `train/HR`,
 * and usually `valid/HR`, as datasets/DIV2K).
 */
export async function resolveDatasetDirs(data: string, valid?: string): Promise<DatasetDirs> {
  if (!(await stat(data).catch(() => null))) throw new DatasetError(`${data}: no such folder`);
  if (!(await isDir(data))) throw new DatasetError(`${data}: not a folder`);
  if (await isDir(join(data, 'train', 'HR'))) {
    const v = valid ?? ((await isDir(join(data, 'valid', 'HR'))) ? join(data, 'valid', 'HR') : undefined);
    return { train: join(data, 'train', 'HR'), valid: v };
  }
  return { train: data, valid };
}

export interface CachedImage {
  name: string;
  path: string;
  /** Size after any upsampling to cover the crop. */
  width: number;
  height: number;
  /** HWC 8-bit RGB; null when it did not fit the cache budget. */
  pixels: Uint8Array | null;
}

export interface LoadOptions {
  /** Images smaller than this on either side are upsampled (bicubic) to cover it. */
  crop: number;
  /** Bytes of pixels to keep in memory (3 per pixel); Infinity keeps all. */
  cacheBytes?: number;
  /** Keep only the centre crop of each image (validation: the same pixels every time, little memory). */
  centreOnly?: boolean;
  onWarning?: (msg: string) => void;
  onProgress?: (done: number, total: number) => void;
}

async function decodeRgb8(path: string, crop: number, centreOnly: boolean): Promise<{ width: number; height: number; pixels: Uint8Array; upsampledFrom?: string }> {
  const d = await decodeCovering(path, crop);
  if (!centreOnly) return d;
  return { ...d, width: crop, height: crop, pixels: cropRgb8(d.pixels, d.width, (d.height - crop) >> 1, (d.width - crop) >> 1, crop) };
}

/**
 * 8-bit RGB, upsampled (aspect kept) when a side is below `crop`, so every image yields crops;
 * 8-bit because the reference makes LR and y0 with Pillow on uint8 images.
 */
async function decodeCovering(path: string, crop: number): Promise<{ width: number; height: number; pixels: Uint8Array; upsampledFrom?: string }> {
  let img;
  try {
    img = (await readImageFile(path)).image;
  } catch (e) {
    throw new DatasetError((e as Error).message.split('\n')[0]);
  }
  const { width: w, height: h } = img;
  const pixels = toRgb8(img);
  if (w >= crop && h >= crop) return { width: w, height: h, pixels };
  const s = Math.max(crop / w, crop / h);
  const nw = Math.max(crop, Math.ceil(w * s));
  const nh = Math.max(crop, Math.ceil(h * s));
  // Keeping the aspect ratio, a thin image (1x16384) would grow to gigabytes (256x4194304 at
  // the default crop); the upsampled image is held to the same pixel limit as a decoded one.
  const limit = DEFAULT_DECODE_LIMITS.maxPixels;
  if (nw * nh > limit) {
    const mp = (n: number) => (n / 1e6).toFixed(1);
    throw new DatasetError(
      `${path}: ${w}x${h} is too thin to train on: covering the ${crop}px crop would upsample it to ${nw}x${nh} = ${mp(nw * nh)} Mpx, over the ${mp(limit)} Mpx limit`,
    );
  }
  return { width: nw, height: nh, pixels: resizeBicubicU8(pixels, w, h, nw, nh), upsampledFrom: `${w}x${h}` };
}

export class ImageSet {
  private constructor(
    readonly dir: string,
    readonly images: CachedImage[],
    readonly crop: number,
    readonly centreOnly: boolean,
  ) {}

  static async load(dir: string, o: LoadOptions): Promise<ImageSet> {
    let paths: string[];
    try {
      paths = await listImages(dir);
    } catch (e) {
      throw new DatasetError((e as Error).message);
    }
    let budget = o.cacheBytes ?? Infinity;
    const images: CachedImage[] = [];
    for (const path of paths) {
      const d = await decodeRgb8(path, o.crop, o.centreOnly ?? false);
      if (d.upsampledFrom) o.onWarning?.(`${path}: ${d.upsampledFrom} is smaller than the ${o.crop}px crop; upsampled (bicubic) to cover it`);
      o.onProgress?.(images.length + 1, paths.length);
      const keep = d.pixels.length <= budget;
      if (keep) budget -= d.pixels.length;
      images.push({ name: basename(path), path, width: d.width, height: d.height, pixels: keep ? d.pixels : null });
    }
    return new ImageSet(dir, images, o.crop, o.centreOnly ?? false);
  }

  get length(): number {
    return this.images.length;
  }
  get cachedBytes(): number {
    return this.images.reduce((n, im) => n + (im.pixels?.length ?? 0), 0);
  }
  get cachedCount(): number {
    return this.images.filter((im) => im.pixels).length;
  }
  /** Bytes all images would take cached. */
  get totalBytes(): number {
    return this.images.reduce((n, im) => n + im.width * im.height * 3, 0);
  }

  async pixels(i: number): Promise<Uint8Array> {
    const im = this.images[i];
    if (im.pixels) return im.pixels;
    const d = await decodeRgb8(im.path, this.crop, this.centreOnly);
    if (d.width !== im.width || d.height !== im.height) throw new DatasetError(`${im.path}: changed on disk during training (${d.width}x${d.height}, was ${im.width}x${im.height})`);
    return d.pixels;
  }

  /** Names and sizes, to tell on resume whether the data changed. */
  fingerprint(): string {
    let h = 0x811c9dc5;
    for (const im of this.images) {
      for (const ch of `${im.name}:${im.width}x${im.height};`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    }
    return `${this.images.length}:${h.toString(16).padStart(8, '0')}`;
  }
}

/** [-1, 1] float32 for each byte value: float32(u / 255) * 2 - 1, as ToTensor then x * 2 - 1. */
const TO_SIGNED = Float32Array.from({ length: 256 }, (_, u) => Math.fround(Math.fround(u / 255) * 2 - 1));

/** The `size`-square window at (top, left) of an HWC image, as HWC bytes. */
export function cropRgb8(pixels: Uint8Array, width: number, top: number, left: number, size: number): Uint8Array {
  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) out.set(pixels.subarray(((top + y) * width + left) * 3, ((top + y) * width + left + size) * 3), y * size * 3);
  return out;
}

/** Writes HWC bytes as CHW [-1, 1] floats at `offset` of `out`. */
export function toSignedChw(hwc: Uint8Array, size: number, out: Float32Array, offset: number): void {
  const plane = size * size;
  for (let p = 0; p < plane; p++) {
    out[offset + p] = TO_SIGNED[hwc[p * 3]];
    out[offset + plane + p] = TO_SIGNED[hwc[p * 3 + 1]];
    out[offset + 2 * plane + p] = TO_SIGNED[hwc[p * 3 + 2]];
  }
}

/** y0 of an HR crop: LR by Pillow bicubic down x4, then bicubic back up, both on 8-bit pixels as the reference does. */
export function degrade(hr: Uint8Array, size: number): Uint8Array {
  const lr = resizeBicubicU8(hr, size, size, size / 4, size / 4);
  return resizeBicubicU8(lr, size / 4, size / 4, size, size);
}
