import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createImage, type RgbImage } from '../../src/image/index.js';

// Golden files live beside the repository, in the shared folder.
export const BICUBIC_GOLDEN = fileURLToPath(new URL('../../../shared/golden/bicubic/', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

export function readBytes(path: string): Uint8Array {
  const b = readFileSync(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** A golden .f32 file (little-endian float32, HWC RGB) as an image. */
export function readF32Image(name: string, width: number, height: number): RgbImage {
  const bytes = readBytes(BICUBIC_GOLDEN + name);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const data = new Float32Array(bytes.byteLength / 4);
  for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(i * 4, true);
  return createImage(width, height, data);
}

export function fromBase64(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64'));
}

/** Same generator as make_fixtures.py: x = x * 1103515245 + 12345 mod 2^31, byte = x >> 16. */
export function lcgBytes(seed: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
    out[i] = (x >>> 16) & 255;
  }
  return out;
}

/** Largest absolute difference and the number of samples that differ. */
export function diffStats(a: ArrayLike<number>, b: ArrayLike<number>): { max: number; count: number } {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let max = 0;
  let count = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > 0) count++;
    if (d > max) max = d;
  }
  return { max, count };
}
