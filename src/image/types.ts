/** An RGB image: row-major HWC float32, values in [0, 1]. */
export interface RgbImage {
  width: number;
  height: number;
  channels: 3;
  data: Float32Array;
}

export interface DecodedImage {
  image: RgbImage;
  /** Things the decoder dropped or changed (alpha, transparency keys), one line each. */
  warnings: string[];
}

export function createImage(width: number, height: number, data?: Float32Array): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`image size must be positive integers, got ${width}x${height}`);
  }
  const n = width * height * 3;
  if (data && data.length !== n) {
    throw new Error(`image data has ${data.length} values, ${width}x${height}x3 needs ${n}`);
  }
  return { width, height, channels: 3, data: data ?? new Float32Array(n) };
}

/** Throws unless `image` is a well-formed RgbImage; `what` names it in the message. */
export function checkImage(image: RgbImage, what = 'image'): void {
  const { width, height, channels, data } = image;
  if (channels !== 3) throw new Error(`${what}: expected 3 channels, got ${channels}`);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`${what}: bad size ${width}x${height}`);
  }
  if (!(data instanceof Float32Array) || data.length !== width * height * 3) {
    throw new Error(`${what}: data must be a Float32Array of ${width}x${height}x3 = ${width * height * 3} values`);
  }
}

export function checkSameSize(a: RgbImage, b: RgbImage): void {
  checkImage(a, 'first image');
  checkImage(b, 'second image');
  if (a.width !== b.width || a.height !== b.height) {
    throw new Error(`image sizes differ: ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  }
}
