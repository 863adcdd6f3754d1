// WebP through @jsquash/webp (libwebp compiled to WebAssembly). The codec is imported only when a
// WebP is met, so PNG/JPEG work never loads it. Where its wasm comes from is the host's business:
// Node sets a loader that compiles the file from disk (its glue would fetch() a file: URL, which
// Node refuses); elsewhere the glue fetches the wasm beside itself.
import { ImageError } from './errors.js';
import { isWebp } from './sniff.js';
import { checkDecodeSize, type DecodeLimits } from './limits.js';
import { createImage, type DecodedImage } from './types.js';

/** Largest WebP side: the format stores sides in 14 bits. */
export const WEBP_MAX_SIDE = 16383;

export type WebpWasm = 'decoder' | 'encoder' | 'encoder-simd';
/** A compiled WebAssembly.Module (typed loosely: the project's libs do not declare WebAssembly). */
type WasmLoader = (which: WebpWasm) => Promise<object>;
/** The packages' init(module) (their .d.ts declare only the options form). */
type Init = (module: object) => Promise<unknown>;

let loader: WasmLoader | undefined;
let decoder: Promise<(b: ArrayBuffer) => Promise<{ width: number; height: number; data: Uint8ClampedArray }>> | undefined;
let encoder: Promise<(d: { data: Uint8ClampedArray; width: number; height: number }, o: Record<string, number>) => Promise<ArrayBuffer>> | undefined;

/** Sets how the codec's wasm is obtained (Node: compiled from the installed file). */
export function setWebpWasmLoader(l: WasmLoader): void {
  loader = l;
}

function loadDecoder() {
  return (decoder ??= (async () => {
    const mod = await import('@jsquash/webp/decode.js');
    if (loader) await (mod.init as unknown as Init)(await loader('decoder'));
    return mod.default as (b: ArrayBuffer) => Promise<{ width: number; height: number; data: Uint8ClampedArray }>;
  })());
}

function loadEncoder() {
  return (encoder ??= (async () => {
    const mod = await import('@jsquash/webp/encode.js');
    if (loader) {
      // the package picks its SIMD build where WebAssembly SIMD validates: the SIMD binary compiles
      // exactly there, so the plain one is the fallback for the same hosts the package falls back on
      const compiled = await loader('encoder-simd').catch(() => loader!('encoder'));
      await (mod.init as unknown as Init)(compiled);
    }
    return mod.default as unknown as (d: { data: Uint8ClampedArray; width: number; height: number }, o: Record<string, number>) => Promise<ArrayBuffer>;
  })());
}

const fourcc = (b: Uint8Array, i: number) => String.fromCharCode(b[i], b[i + 1], b[i + 2], b[i + 3]);
export { isWebp };

/** Bytes webpHeader needs. */
export const WEBP_HEADER_BYTES = 30;

/** Width, height and the animation flag from the first chunk's header, or undefined. */
export function webpHeader(b: Uint8Array): { width: number; height: number; animated: boolean } | undefined {
  if (!isWebp(b) || b.length < WEBP_HEADER_BYTES) return undefined;
  const chunk = fourcc(b, 12);
  const u24 = (i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);
  if (chunk === 'VP8X') return { width: u24(24) + 1, height: u24(27) + 1, animated: (b[20] & 0x02) !== 0 };
  if (chunk === 'VP8 ') {
    // a key frame's start code, then 14-bit sides (the top 2 bits are a scale hint)
    if (b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) return undefined;
    return { width: (b[26] | (b[27] << 8)) & 0x3fff, height: (b[28] | (b[29] << 8)) & 0x3fff, animated: false };
  }
  if (chunk === 'VP8L') {
    if (b[20] !== 0x2f) return undefined;
    const bits = (b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24)) >>> 0;
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, animated: false };
  }
  return undefined;
}

/** Decodes a still WebP to RGB (alpha dropped with a warning); failures are one ImageError line naming `name`. */
export async function decodeWebp(bytes: Uint8Array, name: string, limits: DecodeLimits): Promise<DecodedImage> {
  const header = webpHeader(bytes);
  if (!header) throw new ImageError(`${name}: corrupt or unsupported WebP (no readable VP8, VP8L or VP8X header)`);
  if (header.animated) throw new ImageError(`${name}: animated WebP is not supported; export one frame as a still image`);
  checkDecodeSize(name, header.width, header.height, limits);
  const decode = await loadDecoder();
  let rgba: { width: number; height: number; data: Uint8ClampedArray };
  try {
    rgba = await decode(bytes.slice().buffer);
  } catch {
    throw new ImageError(`${name}: corrupt or truncated WebP (the data does not decode)`);
  }
  if (rgba.width !== header.width || rgba.height !== header.height) throw new ImageError(`${name}: corrupt WebP (its header says ${header.width}x${header.height}, the data ${rgba.width}x${rgba.height})`);
  const n = rgba.width * rgba.height;
  const out = new Float32Array(n * 3);
  let translucent = false;
  for (let i = 0; i < n; i++) {
    out[3 * i] = rgba.data[4 * i] / 255;
    out[3 * i + 1] = rgba.data[4 * i + 1] / 255;
    out[3 * i + 2] = rgba.data[4 * i + 2] / 255;
    if (rgba.data[4 * i + 3] !== 255) translucent = true;
  }
  return { image: createImage(rgba.width, rgba.height, out), warnings: translucent ? [`${name}: alpha channel dropped (the image has transparent pixels)`] : [] };
}

/** Lossy WebP at `quality` (1 to 100) of 8-bit RGBA pixels. */
export async function encodeWebpRgba(data: Uint8Array, width: number, height: number, quality: number): Promise<Uint8Array> {
  if (width > WEBP_MAX_SIDE || height > WEBP_MAX_SIDE) throw new Error(`a WebP image is at most ${WEBP_MAX_SIDE} pixels a side, this one is ${width}x${height}`);
  const encode = await loadEncoder();
  const clamped = new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(await encode({ data: clamped, width, height }, { quality }));
}
