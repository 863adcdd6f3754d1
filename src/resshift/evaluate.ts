import { sideBySide } from '../image/compose.js';
import { psnr, psnrY, ssim } from '../image/metrics.js';
import { fromRgb8, toRgb8 } from '../image/quantize.js';
import { resizeBicubic } from '../image/resize.js';
import { checkImage, createImage, type RgbImage } from '../image/types.js';
import type { DualDomainUNet } from './model.js';
import type { EtaSchedule } from './schedule.js';
import { NonFiniteSampleError } from './sampler.js';
import { SCALE, superResolve, tileSteps } from './upscale.js';

// Evaluation as in the SR literature: HR -> LR by bicubic x1/4 -> y0 by bicubic x4 (both
// Pillow-exact) -> the sampler; SR and the bicubic baseline are both scored against HR. SR is
// quantised to 8 bits first, so the numbers are those of the PNG that `upscale` would write.

export interface MetricTriple {
  /** PSNR over all RGB samples, data range 1 (skimage peak_signal_noise_ratio). */
  psnr: number;
  /** Mean SSIM, 7x7 uniform window, per channel then averaged (skimage structural_similarity). */
  ssim: number;
  /** PSNR of the BT.601 Y channel with a 4-pixel border shaved. */
  psnrY: number;
}

export interface ImageMetrics {
  name: string;
  /** Size of the HR image scored (after the crop and trimming to a multiple of 4). */
  width: number;
  height: number;
  sr: MetricTriple;
  bicubic: MetricTriple;
  /** sr - bicubic. */
  gain: MetricTriple;
}

export interface EvaluateOptions {
  schedule: EtaSchedule;
  kappa: number;
  seed: number;
  /** Side of a centred square crop of each HR image; the whole image when absent. */
  crop?: number;
  /** Tile side in y0 pixels (default 256) and the overlap of neighbouring tiles (default 32). */
  tile?: number;
  overlap?: number;
  /** Reverse steps (default T). */
  steps?: number;
  /** Also return bicubic | SR | HR panels labelled with their scores. */
  comparisons?: boolean;
  /** After each image, with its metrics. */
  onImage?: (metrics: ImageMetrics, index: number, count: number) => void;
  /** After every reverse step of every tile of every image. */
  onProgress?: (done: number, total: number) => void;
  /** Checked before every tile and after every step (see SuperResolveOptions). */
  signal?: AbortSignal;
}

export interface EvaluateResult {
  images: ImageMetrics[];
  mean: { sr: MetricTriple; bicubic: MetricTriple; gain: MetricTriple };
  comparisons?: { name: string; image: RgbImage }[];
}

/** Smallest HR side scored: PSNR-Y shaves 4 pixels per border and SSIM needs a 7x7 window inside. */
export const MIN_HR_SIDE = 12;

function window(image: RgbImage, x0: number, y0: number, w: number, h: number): RgbImage {
  if (x0 === 0 && y0 === 0 && w === image.width && h === image.height) return image;
  const out = createImage(w, h);
  for (let y = 0; y < h; y++) {
    const src = ((y0 + y) * image.width + x0) * 3;
    out.data.set(image.data.subarray(src, src + w * 3), y * w * 3);
  }
  return out;
}

/**
 * The HR image scored: the centred crop (left = floor((W - crop) / 2), as the golden files do),
 * then the right and bottom trimmed to a multiple of 4 so LR is exactly a quarter of it.
 */
export function prepareHr(image: RgbImage, crop?: number, name = 'image'): RgbImage {
  checkImage(image, name);
  const cw = crop === undefined ? image.width : Math.min(crop, image.width);
  const ch = crop === undefined ? image.height : Math.min(crop, image.height);
  const w = cw - (cw % SCALE);
  const h = ch - (ch % SCALE);
  if (w < MIN_HR_SIDE || h < MIN_HR_SIDE) {
    throw new Error(`${name}: ${image.width}x${image.height}${crop !== undefined ? ` cropped to ${crop}` : ''} leaves ${w}x${h}; evaluation needs at least ${MIN_HR_SIDE}x${MIN_HR_SIDE}`);
  }
  return window(image, Math.floor((image.width - cw) / 2), Math.floor((image.height - ch) / 2), w, h);
}

export function scoreImage(out: RgbImage, hr: RgbImage): MetricTriple {
  return { psnr: psnr(out, hr), ssim: ssim(out, hr), psnrY: psnrY(out, hr, 4) };
}

const diff = (a: MetricTriple, b: MetricTriple): MetricTriple => ({ psnr: a.psnr - b.psnr, ssim: a.ssim - b.ssim, psnrY: a.psnrY - b.psnrY });

function meanOf(ms: MetricTriple[]): MetricTriple {
  const avg = (k: keyof MetricTriple) => ms.reduce((s, m) => s + m[k], 0) / ms.length;
  return { psnr: avg('psnr'), ssim: avg('ssim'), psnrY: avg('psnrY') };
}

const label = (what: string, m: MetricTriple) => `${what} ${m.psnr.toFixed(2)}dB SSIM ${m.ssim.toFixed(3)}`;

/** SR and bicubic PSNR / SSIM / PSNR-Y of every image, their means and the gain of SR. */
export async function evaluateModel(model: DualDomainUNet, images: { name: string; image: RgbImage }[], opts: EvaluateOptions): Promise<EvaluateResult> {
  if (images.length === 0) throw new Error('evaluateModel: no images');
  if (opts.crop !== undefined && (!Number.isInteger(opts.crop) || opts.crop < MIN_HR_SIDE)) {
    throw new Error(`evaluateModel: crop must be an integer >= ${MIN_HR_SIDE}, got ${opts.crop}`);
  }
  // prepare everything first: a bad image fails before any sampling
  const hrs = images.map(({ name, image }) => prepareHr(image, opts.crop, name));
  const total = hrs.reduce((s, hr) => s + tileSteps(hr.height, hr.width, opts), 0);
  let before = 0;
  const results: ImageMetrics[] = [];
  const comparisons: { name: string; image: RgbImage }[] = [];
  for (let i = 0; i < hrs.length; i++) {
    const hr = hrs[i];
    const lr = resizeBicubic(hr, hr.width / SCALE, hr.height / SCALE);
    const y0 = resizeBicubic(lr, hr.width, hr.height);
    const offset = before;
    let srFloat: RgbImage;
    try {
      srFloat = await superResolve(model, y0, { ...opts, onProgress: (done) => opts.onProgress?.(offset + done, total) });
    } catch (e) {
      // the sampler knows the tile, not the image
      if (e instanceof NonFiniteSampleError) throw new NonFiniteSampleError(`${images[i].name}: ${e.message}`, e.step, e.modelTimestep, e.window);
      throw e;
    }
    before += tileSteps(hr.height, hr.width, opts);
    const sr = fromRgb8(toRgb8(srFloat), hr.width, hr.height);
    const srM = scoreImage(sr, hr);
    const bicM = scoreImage(y0, hr);
    const m: ImageMetrics = { name: images[i].name, width: hr.width, height: hr.height, sr: srM, bicubic: bicM, gain: diff(srM, bicM) };
    results.push(m);
    if (opts.comparisons) {
      comparisons.push({ name: images[i].name, image: sideBySide([y0, sr, hr], [label('bicubic', bicM), label('SR', srM), 'HR']) });
    }
    opts.onImage?.(m, i, hrs.length);
  }
  const sr = meanOf(results.map((r) => r.sr));
  const bicubic = meanOf(results.map((r) => r.bicubic));
  return { images: results, mean: { sr, bicubic, gain: diff(sr, bicubic) }, ...(opts.comparisons ? { comparisons } : {}) };
}
