import { checkSameSize, type RgbImage } from './types.js';

// Everything here accumulates in float64 (JS numbers) over float32 samples, as scikit-image
// does after casting to float64, so results agree with skimage 0.19 to rounding.

export function mse(a: RgbImage, b: RgbImage): number {
  checkSameSize(a, b);
  const x = a.data;
  const y = b.data;
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - y[i];
    sum += d * d;
  }
  return sum / x.length;
}

function psnrFromMse(err: number, dataRange: number): number {
  return err === 0 ? Infinity : 10 * Math.log10((dataRange * dataRange) / err);
}

/** skimage.metrics.peak_signal_noise_ratio over all samples; Infinity for identical images. */
export function psnr(a: RgbImage, b: RgbImage, dataRange = 1): number {
  return psnrFromMse(mse(a, b), dataRange);
}

/** BT.601 luma of [0, 1] RGB as in the SR literature (Y in [16, 235] / 255), not rounded. */
function lumaBt601(img: RgbImage, shave: number): Float64Array {
  const w = img.width - 2 * shave;
  const h = img.height - 2 * shave;
  const out = new Float64Array(w * h);
  const d = img.data;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = ((y + shave) * img.width + x + shave) * 3;
      out[y * w + x] = (16 + 65.481 * d[i] + 128.553 * d[i + 1] + 24.966 * d[i + 2]) / 255;
    }
  }
  return out;
}

/** PSNR of the BT.601 Y channel with `shave` pixels removed from every border, data range 1. */
export function psnrY(a: RgbImage, b: RgbImage, shave = 4): number {
  checkSameSize(a, b);
  if (!Number.isInteger(shave) || shave < 0 || 2 * shave >= Math.min(a.width, a.height)) {
    throw new Error(`psnrY: shave ${shave} leaves nothing of a ${a.width}x${a.height} image`);
  }
  const ya = lumaBt601(a, shave);
  const yb = lumaBt601(b, shave);
  let sum = 0;
  for (let i = 0; i < ya.length; i++) {
    const d = ya[i] - yb[i];
    sum += d * d;
  }
  return psnrFromMse(sum / ya.length, 1);
}

export interface SsimOptions {
  dataRange?: number;
  winSize?: number;
}

/**
 * Sums of `src` (one channel, w x h) over every winSize x winSize window that lies fully inside,
 * i.e. the centres skimage keeps after cropping (winSize-1)/2 pixels from each border. Plain
 * sums rather than scipy's running mean: more accurate, and the difference is ~1e-15.
 */
function windowSums(src: Float64Array, w: number, h: number, win: number): Float64Array {
  const ow = w - win + 1;
  const oh = h - win + 1;
  const rows = new Float64Array(ow * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let k = 0; k < win; k++) s += src[y * w + x + k];
      rows[y * ow + x] = s;
    }
  }
  const out = new Float64Array(ow * oh);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let k = 0; k < win; k++) s += rows[(y + k) * ow + x];
      out[y * ow + x] = s;
    }
  }
  return out;
}

function ssimChannel(a: RgbImage, b: RgbImage, ch: number, dataRange: number, win: number): number {
  const { width: w, height: h } = a;
  const n = w * h;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = a.data[i * 3 + ch];
    y[i] = b.data[i * 3 + ch];
  }
  const xx = new Float64Array(n);
  const yy = new Float64Array(n);
  const xy = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    xx[i] = x[i] * x[i];
    yy[i] = y[i] * y[i];
    xy[i] = x[i] * y[i];
  }
  const np = win * win;
  const sx = windowSums(x, w, h, win);
  const sy = windowSums(y, w, h, win);
  const sxx = windowSums(xx, w, h, win);
  const syy = windowSums(yy, w, h, win);
  const sxy = windowSums(xy, w, h, win);
  // skimage's use_sample_covariance=True: unbiased (N - 1) variances.
  const covNorm = np / (np - 1);
  const c1 = (0.01 * dataRange) ** 2;
  const c2 = (0.03 * dataRange) ** 2;
  let total = 0;
  for (let i = 0; i < sx.length; i++) {
    const ux = sx[i] / np;
    const uy = sy[i] / np;
    const vx = covNorm * (sxx[i] / np - ux * ux);
    const vy = covNorm * (syy[i] / np - uy * uy);
    const vxy = covNorm * (sxy[i] / np - ux * uy);
    const num = (2 * ux * uy + c1) * (2 * vxy + c2);
    const den = (ux * ux + uy * uy + c1) * (vx + vy + c2);
    total += num / den;
  }
  return total / sx.length;
}

/**
 * Mean SSIM as skimage 0.19 `structural_similarity(a, b, channel_axis=2, win_size, data_range)`
 * with its defaults: uniform window, K1 = 0.01, K2 = 0.03, sample covariance, mean over the
 * valid area of each channel, then over channels.
 */
export function ssim(a: RgbImage, b: RgbImage, options: SsimOptions = {}): number {
  checkSameSize(a, b);
  const dataRange = options.dataRange ?? 1;
  const win = options.winSize ?? 7;
  if (!Number.isInteger(win) || win < 3 || win % 2 === 0) {
    throw new Error(`ssim: winSize must be an odd integer >= 3, got ${win}`);
  }
  if (win > a.width || win > a.height) {
    throw new Error(`ssim: winSize ${win} exceeds the ${a.width}x${a.height} image`);
  }
  let total = 0;
  for (let ch = 0; ch < 3; ch++) total += ssimChannel(a, b, ch, dataRange, win);
  return total / 3;
}
