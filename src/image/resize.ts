import { fromRgb8, toRgb8 } from './quantize.js';
import { checkImage, type RgbImage } from './types.js';

// Pillow's Image.resize(size, Image.BICUBIC) on 8-bit images, reproduced step for step so that
// results are bit-identical (the project's LR inputs and y0 baselines are made with Pillow):
//  - coefficients in double, then fixed point with PRECISION_BITS = 32 - 8 - 2 (two spare bits
//    because the a = -0.5 kernel overshoots 1 and undershoots 0);
//  - horizontal pass, clipped to uint8, then vertical pass, clipped again;
//  - a pass whose size does not change is skipped, as Pillow skips it.

const PRECISION_BITS = 22;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);
const BICUBIC_SUPPORT = 2;

function bicubic(x: number): number {
  const a = -0.5;
  if (x < 0) x = -x;
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

/** Per output index: the first input index, the tap count, and `ksize` fixed-point taps. */
interface Taps {
  ksize: number;
  first: Int32Array;
  count: Int32Array;
  weights: Int32Array;
}

function computeTaps(inSize: number, outSize: number): Taps {
  const scale = inSize / outSize;
  // Shrinking widens the kernel by the scale, which is Pillow's antialiasing.
  const filterScale = Math.max(scale, 1);
  const support = BICUBIC_SUPPORT * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * ksize);
  const taps = new Float64Array(ksize);
  const inv = 1 / filterScale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // C's (int) cast truncates toward zero; negatives are clamped right after anyway.
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let sum = 0;
    for (let x = 0; x < xmax; x++) {
      const w = bicubic((x + xmin - center + 0.5) * inv);
      taps[x] = w;
      sum += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = sum !== 0 ? taps[x] / sum : taps[x];
      weights[xx * ksize + x] = Math.trunc(w < 0 ? w * ONE - 0.5 : w * ONE + 0.5);
    }
    first[xx] = xmin;
    count[xx] = xmax;
  }
  return { ksize, first, count, weights };
}

/** Pillow's clip8: drop the fraction bits (an arithmetic shift, so floor) and clamp to a byte. */
function clip8(acc: number): number {
  const v = Math.floor(acc / ONE);
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

function resizeRows(src: Uint8Array, w: number, h: number, c: number, outW: number): Uint8Array {
  const { ksize, first, count, weights } = computeTaps(w, outW);
  const out = new Uint8Array(outW * h * c);
  const acc = new Float64Array(c);
  for (let y = 0; y < h; y++) {
    const row = y * w * c;
    for (let xx = 0; xx < outW; xx++) {
      const k0 = xx * ksize;
      const n = count[xx];
      const base = row + first[xx] * c;
      acc.fill(HALF);
      for (let x = 0; x < n; x++) {
        const k = weights[k0 + x];
        const p = base + x * c;
        for (let ch = 0; ch < c; ch++) acc[ch] += src[p + ch] * k;
      }
      const o = (y * outW + xx) * c;
      for (let ch = 0; ch < c; ch++) out[o + ch] = clip8(acc[ch]);
    }
  }
  return out;
}

function resizeColumns(src: Uint8Array, w: number, h: number, c: number, outH: number): Uint8Array {
  const { ksize, first, count, weights } = computeTaps(h, outH);
  const stride = w * c;
  const out = new Uint8Array(w * outH * c);
  const acc = new Float64Array(stride);
  for (let yy = 0; yy < outH; yy++) {
    const k0 = yy * ksize;
    const n = count[yy];
    acc.fill(HALF);
    for (let y = 0; y < n; y++) {
      const k = weights[k0 + y];
      const row = (first[yy] + y) * stride;
      for (let i = 0; i < stride; i++) acc[i] += src[row + i] * k;
    }
    const o = yy * stride;
    for (let i = 0; i < stride; i++) out[o + i] = clip8(acc[i]);
  }
  return out;
}

function checkSize(what: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`resizeBicubic: ${what} must be a positive integer, got ${v}`);
}

/**
 * Bit-exact Pillow `Image.resize((outW, outH), Image.BICUBIC)` for 8-bit interleaved samples
 * (HWC, `channels` per pixel; 3 for RGB).
 */
export function resizeBicubicU8(
  pixels: Uint8Array,
  w: number,
  h: number,
  outW: number,
  outH: number,
  channels = 3,
): Uint8Array {
  checkSize('width', w);
  checkSize('height', h);
  checkSize('output width', outW);
  checkSize('output height', outH);
  checkSize('channels', channels);
  if (pixels.length !== w * h * channels) {
    throw new Error(`resizeBicubic: ${pixels.length} samples, ${w}x${h}x${channels} needs ${w * h * channels}`);
  }
  let out = pixels;
  if (outW !== w) out = resizeRows(out, w, h, channels, outW);
  if (outH !== h) out = resizeColumns(out, outW, h, channels, outH);
  return out === pixels ? pixels.slice() : out;
}

/**
 * Pillow-exact bicubic resize of a float image. Like Pillow on an RGB image, it works on 8-bit
 * samples: the input is quantised (round half up, see quantize.ts) and so is the output, so an
 * image decoded from an 8-bit file gives exactly Pillow's pixels, divided by 255.
 */
export function resizeBicubic(image: RgbImage, outW: number, outH: number): RgbImage {
  checkImage(image);
  const out = resizeBicubicU8(toRgb8(image), image.width, image.height, outW, outH, 3);
  return fromRgb8(out, outW, outH);
}
