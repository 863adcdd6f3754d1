import { createImage, checkImage, type RgbImage } from './types.js';

// The one convention for moving between integer samples and [0, 1] floats, shared by the
// decoders, the encoder and the 8-bit resize:
//  - to float: u / max, rounded once to float32. For 8 bits this is bit-identical to numpy's
//    float32 `uint8 / 255` used for the golden .f32 files (checked for all 256 values in the tests).
//  - to integer: clamp to [0, 1], then round half up, Math.round(v * max); NaN becomes 0.
//    Because u / max is far from a rounding tie, float -> integer is the exact inverse of
//    integer -> float, so decode -> encode keeps every pixel, and comparisons against
//    Pillow-made uint8 PNGs see the same integers.

export function toUnitFloat(samples: ArrayLike<number>, maxValue: number): Float32Array {
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = samples[i] / maxValue;
  return out;
}

export function quantizeSample(v: number, maxValue: number): number {
  if (!(v > 0)) return 0;
  if (v >= 1) return maxValue;
  return Math.round(v * maxValue);
}

/** The image as 8-bit RGB samples, HWC. */
export function toRgb8(image: RgbImage): Uint8Array {
  checkImage(image);
  const src = image.data;
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = quantizeSample(src[i], 255);
  return out;
}

/** The image as 16-bit RGB samples, HWC. */
export function toRgb16(image: RgbImage): Uint16Array {
  checkImage(image);
  const src = image.data;
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = quantizeSample(src[i], 65535);
  return out;
}

export function fromRgb8(rgb: Uint8Array, width: number, height: number): RgbImage {
  return createImage(width, height, toUnitFloat(rgb, 255));
}
