import { ImageError } from './errors.js';

export interface DecodeLimits {
  /** Largest width or height accepted. */
  maxSide: number;
  /** Largest width x height accepted; the float32 RGB result alone takes 12 bytes per pixel. */
  maxPixels: number;
}

// 16384 px per side covers any camera; 64 Mpx (8192 x 8192) keeps the float image under
// 800 MB, and the decoders' own buffers add about as much again.
export const DEFAULT_DECODE_LIMITS: DecodeLimits = { maxSide: 16384, maxPixels: 8192 * 8192 };

// The largest image file read from disk. The largest image the limits allow, as an uncompressed
// 16-bit RGBA PNG, is 512 MiB; a file past this is not an image this tool can use.
export const MAX_IMAGE_FILE_BYTES = 2 ** 30;

/** Throws a one-line error naming the file when the declared size is empty or too large. */
export function checkDecodeSize(name: string, width: number, height: number, limits: DecodeLimits): void {
  if (!(width >= 1 && height >= 1)) {
    throw new ImageError(`${name}: corrupt image header (size ${width}x${height})`);
  }
  if (width > limits.maxSide || height > limits.maxSide) {
    throw new ImageError(`${name}: image is ${width}x${height} pixels, over the limit of ${limits.maxSide} pixels per side`);
  }
  if (width * height > limits.maxPixels) {
    const mp = (n: number) => (n / 1e6).toFixed(1);
    throw new ImageError(
      `${name}: image is ${width}x${height} = ${mp(width * height)} Mpx, over the limit of ${mp(limits.maxPixels)} Mpx`,
    );
  }
}
