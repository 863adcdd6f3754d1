// Node-only file access for images; everything else in src/image runs in browsers too.
import { randomBytes } from 'node:crypto';
import { readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { readFileBounded } from '../node/files.js';
import { useWebpFromDisk } from '../node/webp-wasm.js';
import { decodeImage } from './decode.js';
import { DEFAULT_QUALITY, encodeJpegRgba, encodePng, rgbToRgba, type EncodePngOptions } from './encode.js';
import { ImageError } from './errors.js';
import { checkDecodeSize, DEFAULT_DECODE_LIMITS, MAX_IMAGE_FILE_BYTES, type DecodeLimits } from './limits.js';
import { PNG_HEADER_BYTES, pngHeaderSize, sniffFormat } from './sniff.js';
import { toRgb8 } from './quantize.js';
import type { DecodedImage, RgbImage } from './types.js';
import { decodeWebp, encodeWebpRgba, isWebp, WEBP_HEADER_BYTES, webpHeader } from './webp.js';

useWebpFromDisk();

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp']);

/** Bytes read first to check the format and the declared size (PNG's IHDR, WebP's first chunk). */
export const IMAGE_HEADER_BYTES = Math.max(PNG_HEADER_BYTES, WEBP_HEADER_BYTES);

/** The formats image files are written in. */
export type OutputFormat = 'png' | 'jpeg' | 'webp';

/** The format a file name asks for by its extension (any case), or undefined. */
export function formatOfName(path: string): OutputFormat | undefined {
  const ext = extname(path).toLowerCase();
  return ext === '.png' ? 'png' : ext === '.jpg' || ext === '.jpeg' ? 'jpeg' : ext === '.webp' ? 'webp' : undefined;
}

/** The extension written for a format. */
export const FORMAT_EXTENSION: Record<OutputFormat, string> = { png: '.png', jpeg: '.jpg', webp: '.webp' };

function codeOf(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

/** One line naming `path` for the usual file-system failures. */
function fsError(path: string, e: unknown, verb: 'read' | 'write' | 'list'): Error {
  switch (codeOf(e)) {
    case 'ENOENT':
      return new Error(`${path}: no such file or folder`);
    case 'EISDIR':
      return new Error(`${path}: is a folder, not a file`);
    case 'ENOTDIR':
      return new Error(`${path}: a part of the path is not a folder`);
    case 'EACCES':
    case 'EPERM':
      return new Error(`${path}: permission denied (cannot ${verb})`);
    default:
      return new Error(`${path}: cannot ${verb} (${e instanceof Error ? e.message : String(e)})`);
  }
}

/**
 * Reads and decodes a PNG, JPEG or WebP; every failure is an ImageError naming the path. Devices,
 * pipes and files over MAX_IMAGE_FILE_BYTES are refused unread, and the first bytes (magic
 * number, PNG size) are checked before the rest of the file is read.
 */
export async function readImageFile(path: string, limits: Partial<DecodeLimits> = {}): Promise<DecodedImage> {
  const lim: DecodeLimits = { ...DEFAULT_DECODE_LIMITS, ...limits };
  let bytes: Uint8Array;
  try {
    bytes = await readFileBounded(path, {
      what: 'file',
      maxBytes: MAX_IMAGE_FILE_BYTES,
      headerBytes: IMAGE_HEADER_BYTES,
      checkHeader: (header, size) => {
        if (size === 0) return 'empty file';
        const format = sniffFormat(header);
        if (!format && !isWebp(header)) return 'not a PNG, JPEG or WebP file';
        const png = format === 'png' ? pngHeaderSize(header) : undefined;
        if (png) checkDecodeSize(path, png.width, png.height, lim);
        const webp = isWebp(header) ? webpHeader(header) : undefined;
        if (webp) checkDecodeSize(path, webp.width, webp.height, lim);
        return undefined;
      },
    });
  } catch (e) {
    if (e instanceof ImageError) throw e;
    throw new ImageError((e as Error).message.split('\n')[0]);
  }
  if (isWebp(bytes)) return decodeWebp(bytes, path, lim);
  return decodeImage(bytes, path, lim);
}

/**
 * Writes `image` as PNG without ever leaving a partial file at `path`: the bytes go to a
 * temporary file in the same folder (so the rename stays on one file system and is atomic).
 */
export async function writePngFile(path: string, image: RgbImage, options: EncodePngOptions = {}): Promise<void> {
  await writeBytesAtomic(path, encodePng(image, options));
}

/**
 * The bytes of 8-bit RGB pixels as a `format` file. PNG through fast-png here (the CLI streams
 * large PNGs with PngFileWriter instead); JPEG and WebP need the whole image: besides the RGB
 * pixels, 4 bytes a pixel of RGBA for the encoder and the encoded file.
 */
export async function encodeImageRgb8(rgb: Uint8Array, width: number, height: number, format: OutputFormat, quality = DEFAULT_QUALITY): Promise<Uint8Array> {
  if (format === 'png') return encodePng({ width, height, channels: 3, data: Float32Array.from(rgb, (v) => v / 255) });
  const rgba = rgbToRgba(rgb, width, height);
  return format === 'jpeg' ? encodeJpegRgba(rgba, width, height, quality) : encodeWebpRgba(rgba, width, height, quality);
}

/** Writes `image` atomically as the format its name asks for (.png, .jpg/.jpeg, .webp), or `format`. */
export async function writeImageFile(path: string, image: RgbImage, options: { format?: OutputFormat; quality?: number } = {}): Promise<void> {
  const format = options.format ?? formatOfName(path);
  if (!format) throw new Error(`${path}: unknown image format; name it .png, .jpg, .jpeg or .webp`);
  if (format === 'png') return writePngFile(path, image);
  await writeBytesAtomic(path, await encodeImageRgb8(toRgb8(image), image.width, image.height, format, options.quality));
}

async function writeBytesAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, bytes, { flag: 'wx' });
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    if (codeOf(e) === 'ENOENT') throw new Error(`${path}: folder ${dir} does not exist`);
    throw fsError(path, e, 'write');
  }
}

/** PNG, JPEG and WebP files in `dir` (by extension, any case), as paths joined to `dir`, sorted by name. */
export async function listImages(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    if (codeOf(e) === 'ENOENT') throw new Error(`${dir}: no such folder`);
    if (codeOf(e) === 'ENOTDIR') throw new Error(`${dir}: not a folder`);
    throw fsError(dir, e, 'list');
  }
  const names: string[] = [];
  for (const entry of entries) {
    if (!IMAGE_EXTENSIONS.has(extname(entry.name).toLowerCase())) continue;
    if (entry.isFile()) names.push(entry.name);
    else if (entry.isSymbolicLink()) {
      const target = await stat(join(dir, entry.name)).catch(() => undefined);
      if (target?.isFile()) names.push(entry.name);
    }
  }
  if (names.length === 0) throw new Error(`no PNG, JPEG or WebP images in ${dir}`);
  // Code-point order, so the listing does not depend on the locale.
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return names.map((n) => join(dir, n));
}
