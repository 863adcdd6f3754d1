import { encode as encodePngData } from 'fast-png';
import jpeg from 'jpeg-js';
import { toRgb16, toRgb8 } from './quantize.js';
import type { RgbImage } from './types.js';

export interface EncodePngOptions {
  bitDepth?: 8 | 16;
}

/**
 * An RGB PNG without alpha. Samples are clamped to [0, 1] and rounded half up to integers
 * (see quantize.ts), so an image decoded from an 8-bit file re-encodes to the same pixels.
 */
export function encodePng(image: RgbImage, options: EncodePngOptions = {}): Uint8Array {
  const depth = options.bitDepth ?? 8;
  if (depth !== 8 && depth !== 16) throw new Error(`encodePng: bitDepth must be 8 or 16, got ${String(depth)}`);
  const data = depth === 8 ? toRgb8(image) : toRgb16(image);
  return encodePngData({ width: image.width, height: image.height, data, depth, channels: 3 });
}

/** Quality of JPEG and WebP output when none is given (1 to 100). */
export const DEFAULT_QUALITY = 90;

/** Largest JPEG side: the frame header stores sides in 16 bits. */
export const JPEG_MAX_SIDE = 65535;

/** 8-bit RGB (3 bytes a pixel) to RGBA with opaque alpha, as the JPEG and WebP encoders take. */
export function rgbToRgba(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const n = width * height;
  const rgba = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    rgba[4 * i] = rgb[3 * i];
    rgba[4 * i + 1] = rgb[3 * i + 1];
    rgba[4 * i + 2] = rgb[3 * i + 2];
    rgba[4 * i + 3] = 255;
  }
  return rgba;
}

function checkQuality(quality: number): void {
  if (!(Number.isInteger(quality) && quality >= 1 && quality <= 100)) throw new Error(`quality must be an integer from 1 to 100, got ${quality}`);
}

/** A baseline JPEG (4:2:0, jpeg-js) of 8-bit RGBA pixels at `quality` 1 to 100. */
export function encodeJpegRgba(data: Uint8Array, width: number, height: number, quality = DEFAULT_QUALITY): Uint8Array {
  checkQuality(quality);
  if (width > JPEG_MAX_SIDE || height > JPEG_MAX_SIDE) throw new Error(`a JPEG image is at most ${JPEG_MAX_SIDE} pixels a side, this one is ${width}x${height}`);
  const out = jpeg.encode({ width, height, data }, quality).data;
  // Node gets a Buffer: a plain view of the same bytes
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

export interface EncodeJpegOptions {
  /** 1 to 100 (default 90). */
  quality?: number;
}

/** A JPEG of `image`, samples quantised as encodePng's 8-bit output. */
export function encodeJpeg(image: RgbImage, options: EncodeJpegOptions = {}): Uint8Array {
  return encodeJpegRgba(rgbToRgba(toRgb8(image), image.width, image.height), image.width, image.height, options.quality ?? DEFAULT_QUALITY);
}
