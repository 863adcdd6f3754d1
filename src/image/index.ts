// The browser-safe image API; file access is in ./files.js (Node only).
export type { RgbImage, DecodedImage } from './types.js';
export { createImage } from './types.js';
export { decodeImage } from './decode.js';
export { ImageError } from './errors.js';
export { DEFAULT_DECODE_LIMITS, MAX_IMAGE_FILE_BYTES, type DecodeLimits } from './limits.js';
export { sniffFormat, type ImageFormat } from './sniff.js';
export { DEFAULT_QUALITY, encodeJpeg, encodePng, type EncodeJpegOptions, type EncodePngOptions } from './encode.js';
export { toRgb8, toRgb16, fromRgb8 } from './quantize.js';
export { resizeBicubic, resizeBicubicU8 } from './resize.js';
export { mse, psnr, psnrY, ssim, type SsimOptions } from './metrics.js';
export { sideBySide, type SideBySideOptions } from './compose.js';
export { drawText, textWidth } from './text.js';
