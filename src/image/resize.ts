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

/** Taps of the outputs from..from+n-1: the first input index of each, its tap count, and `ksize` fixed-point taps each. */
interface Taps {
  ksize: number;
  first: Int32Array;
  count: Int32Array;
  weights: Int32Array;
}

/** Pillow's precompute_coeffs, for outputs [from, to) only: each output's taps depend on its index alone. */
function computeTaps(inSize: number, outSize: number, from = 0, to = outSize): Taps {
  const scale = inSize / outSize;
  // Shrinking widens the kernel by the scale, which is Pillow's antialiasing.
  const filterScale = Math.max(scale, 1);
  const support = BICUBIC_SUPPORT * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const n = to - from;
  const first = new Int32Array(n);
  const count = new Int32Array(n);
  const weights = new Int32Array(n * ksize);
  const taps = new Float64Array(ksize);
  const inv = 1 / filterScale;
  for (let k = 0; k < n; k++) {
    const center = (from + k + 0.5) * scale;
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
      weights[k * ksize + x] = Math.trunc(w < 0 ? w * ONE - 0.5 : w * ONE + 0.5);
    }
    first[k] = xmin;
    count[k] = xmax;
  }
  return { ksize, first, count, weights };
}

/** Pillow's clip8: drop the fraction bits (an arithmetic shift, so floor) and clamp to a byte. */
function clip8(acc: number): number {
  const v = Math.floor(acc / ONE);
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** The horizontal pass over source rows [y0, y1) of a w-wide image, for the outputs `taps` covers. */
function resizeRows(src: Uint8Array, w: number, c: number, y0: number, y1: number, taps: Taps): Uint8Array {
  const { ksize, first, count, weights } = taps;
  const outW = first.length;
  const out = new Uint8Array(outW * (y1 - y0) * c);
  const acc = new Float64Array(c);
  for (let y = y0; y < y1; y++) {
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
      const o = ((y - y0) * outW + xx) * c;
      for (let ch = 0; ch < c; ch++) out[o + ch] = clip8(acc[ch]);
    }
  }
  return out;
}

/** The vertical pass for the outputs `taps` covers; `src` holds rows from `srcRow0` on, `stride` samples each. */
function resizeColumns(src: Uint8Array, stride: number, srcRow0: number, taps: Taps): Uint8Array {
  const { ksize, first, count, weights } = taps;
  const outH = first.length;
  const out = new Uint8Array(stride * outH);
  const acc = new Float64Array(stride);
  for (let yy = 0; yy < outH; yy++) {
    const k0 = yy * ksize;
    const n = count[yy];
    acc.fill(HALF);
    for (let y = 0; y < n; y++) {
      const k = weights[k0 + y];
      const row = (first[yy] - srcRow0 + y) * stride;
      for (let i = 0; i < stride; i++) acc[i] += src[row + i] * k;
    }
    const o = yy * stride;
    for (let i = 0; i < stride; i++) out[o + i] = clip8(acc[i]);
  }
  return out;
}

/** Columns [x0, x1) of rows [y0, y1), unchanged. */
function cropRows(src: Uint8Array, w: number, c: number, x0: number, x1: number, y0: number, y1: number): Uint8Array {
  const out = new Uint8Array((x1 - x0) * (y1 - y0) * c);
  for (let y = y0; y < y1; y++) out.set(src.subarray((y * w + x0) * c, (y * w + x1) * c), (y - y0) * (x1 - x0) * c);
  return out;
}

function checkSize(what: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`resizeBicubic: ${what} must be a positive integer, got ${v}`);
}

function checkArgs(pixels: Uint8Array, w: number, h: number, outW: number, outH: number, channels: number): void {
  checkSize('width', w);
  checkSize('height', h);
  checkSize('output width', outW);
  checkSize('output height', outH);
  checkSize('channels', channels);
  if (pixels.length !== w * h * channels) {
    throw new Error(`resizeBicubic: ${pixels.length} samples, ${w}x${h}x${channels} needs ${w * h * channels}`);
  }
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
  checkArgs(pixels, w, h, outW, outH, channels);
  return resizeRegion(pixels, w, h, outW, outH, { x: 0, y: 0, w: outW, h: outH }, channels);
}

/** A rectangle of an image: columns [x, x + w) of rows [y, y + h). */
export interface Region {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * The pixels in `region` of resizeBicubicU8(pixels, w, h, outW, outH, channels), bit for bit,
 * computed from only the source rows and columns its taps reach: every output sample depends on
 * its own taps alone (the horizontal pass rounds each sample to 8 bits, then the vertical pass
 * reads the rounded samples of its column), so a window of the resize is the resize of a window.
 * Returns region.w x region.h pixels, HWC.
 */
export function resizeBicubicRegionU8(
  pixels: Uint8Array,
  w: number,
  h: number,
  outW: number,
  outH: number,
  region: Region,
  channels = 3,
): Uint8Array {
  checkArgs(pixels, w, h, outW, outH, channels);
  const { x, y, w: rw, h: rh } = region;
  const ok = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;
  if (!ok(rw, 1, outW) || !ok(rh, 1, outH) || !ok(x, 0, outW - rw) || !ok(y, 0, outH - rh)) {
    throw new Error(`resizeBicubic: region ${rw}x${rh} at (${x}, ${y}) is not inside the ${outW}x${outH} output`);
  }
  return resizeRegion(pixels, w, h, outW, outH, region, channels);
}

function resizeRegion(pixels: Uint8Array, w: number, h: number, outW: number, outH: number, region: Region, c: number): Uint8Array {
  const { x, y, w: rw, h: rh } = region;
  // Pillow runs the horizontal pass first, then the vertical one; a pass whose size does not
  // change is skipped. The horizontal pass runs only on the source rows the vertical taps read.
  const vTaps = outH !== h ? computeTaps(h, outH, y, y + rh) : null;
  let r0 = y;
  let r1 = y + rh;
  if (vTaps) {
    r0 = h;
    r1 = 0;
    for (let k = 0; k < rh; k++) {
      r0 = Math.min(r0, vTaps.first[k]);
      r1 = Math.max(r1, vTaps.first[k] + vTaps.count[k]);
    }
  }
  let mid: Uint8Array;
  if (outW !== w) mid = resizeRows(pixels, w, c, r0, r1, computeTaps(w, outW, x, x + rw));
  // whole rows that only the vertical pass reads need no copy
  else if (vTaps && x === 0 && rw === w) mid = pixels.subarray(r0 * w * c, r1 * w * c);
  else mid = cropRows(pixels, w, c, x, x + rw, r0, r1);
  return vTaps ? resizeColumns(mid, rw * c, r0, vTaps) : mid;
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
