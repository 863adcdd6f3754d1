// Node-only file access for images; everything else in src/image runs in browsers too.
import { randomBytes } from 'node:crypto';
import { readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { readFileBounded } from '../node/files.js';
import { decodeImage } from './decode.js';
import { encodePng, type EncodePngOptions } from './encode.js';
import { ImageError } from './errors.js';
import { checkDecodeSize, DEFAULT_DECODE_LIMITS, MAX_IMAGE_FILE_BYTES, type DecodeLimits } from './limits.js';
import { PNG_HEADER_BYTES, pngHeaderSize, sniffFormat } from './sniff.js';
import type { DecodedImage, RgbImage } from './types.js';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

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
 * Reads and decodes a PNG or JPEG; every failure is an ImageError naming the path. Devices,
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
      headerBytes: PNG_HEADER_BYTES,
      checkHeader: (header, size) => {
        if (size === 0) return 'empty file';
        const format = sniffFormat(header);
        if (!format) return 'not a PNG or JPEG file';
        const png = format === 'png' ? pngHeaderSize(header) : undefined;
        if (png) checkDecodeSize(path, png.width, png.height, lim);
        return undefined;
      },
    });
  } catch (e) {
    if (e instanceof ImageError) throw e;
    throw new ImageError((e as Error).message.split('\n')[0]);
  }
  return decodeImage(bytes, path, lim);
}

/**
 * Writes `image` as PNG without ever leaving a partial file at `path`: the bytes go to a
 * temporary file in the same folder (so the rename stays on one file system and is atomic).
 */
export async function writePngFile(path: string, image: RgbImage, options: EncodePngOptions = {}): Promise<void> {
  const bytes = encodePng(image, options);
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

/** PNG and JPEG files in `dir` (by extension, any case), as paths joined to `dir`, sorted by name. */
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
  if (names.length === 0) throw new Error(`no PNG or JPEG images in ${dir}`);
  // Code-point order, so the listing does not depend on the locale.
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return names.map((n) => join(dir, n));
}
