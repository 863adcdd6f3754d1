import { encode as encodePngData } from 'fast-png';
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
