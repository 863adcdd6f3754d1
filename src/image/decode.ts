import { decodeJpeg } from './decode-jpeg.js';
import { ImageError } from './errors.js';
import { decodePng } from './decode-png.js';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from './limits.js';
import { isWebp, sniffFormat } from './sniff.js';
import type { DecodedImage } from './types.js';

/**
 * Decodes a PNG or JPEG (chosen by its magic bytes, never by `name`) to an RGB float image.
 * Grey is expanded to three channels; alpha is dropped with a warning. Every failure is one
 * Error line that starts with `name`.
 */
export function decodeImage(bytes: Uint8Array, name = 'image', limits: Partial<DecodeLimits> = {}): DecodedImage {
  const lim: DecodeLimits = { ...DEFAULT_DECODE_LIMITS, ...limits };
  if (bytes.length === 0) throw new ImageError(`${name}: empty file`);
  switch (sniffFormat(bytes)) {
    case 'png':
      return decodePng(bytes, name, lim);
    case 'jpeg':
      return decodeJpeg(bytes, name, lim);
    default:
      // WebP's codec is WebAssembly, loaded asynchronously: readImageFile (Node) decodes it
      if (isWebp(bytes)) throw new ImageError(`${name}: WebP data; decodeImage takes PNG or JPEG (readImageFile reads WebP files in Node)`);
      throw new ImageError(`${name}: not a PNG or JPEG file`);
  }
}
