// PNG decoding (https://www.w3.org/TR/png-3/). The chunks are read here rather than by
// fast-png, because fast-png inflates the image data and any iCCP profile in full whatever the
// header says, so a small file could take gigabytes (a decompression bomb). Here the image data
// is inflated with a cap at the size the header implies (png-inflate.ts), compressed ancillary
// chunks (iCCP, zTXt, iTXt) are skipped unread since nothing here uses them, and only the
// chunks that decide the pixels are interpreted.
import { ImageError } from './errors.js';
import { checkDecodeSize, type DecodeLimits } from './limits.js';
import { inflateCapped, InflateError, MAX_DEFLATE_RATIO } from './png-inflate.js';
import { filteredBytes, passLayouts, unfilterInPlace, type PassLayout } from './png-rows.js';
import { crc32 } from './png-stream.js';
import { createImage, type DecodedImage } from './types.js';

function fail(name: string, reason: string): never {
  throw new ImageError(`${name}: corrupt or truncated PNG (${reason})`);
}

function u32(b: Uint8Array, i: number): number {
  return ((b[i] << 24) >>> 0) + ((b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]);
}

// IHDR colour types.
const Colour = { Grey: 0, Rgb: 2, Palette: 3, GreyAlpha: 4, Rgba: 6 } as const;
type Colour = (typeof Colour)[keyof typeof Colour];

const CHANNELS: Record<number, number> = { [Colour.Grey]: 1, [Colour.Rgb]: 3, [Colour.Palette]: 1, [Colour.GreyAlpha]: 2, [Colour.Rgba]: 4 };
const DEPTHS: Record<number, readonly number[]> = {
  [Colour.Grey]: [1, 2, 4, 8, 16],
  [Colour.Rgb]: [8, 16],
  [Colour.Palette]: [1, 2, 4, 8],
  [Colour.GreyAlpha]: [8, 16],
  [Colour.Rgba]: [8, 16],
};

interface PngStructure {
  width: number;
  height: number;
  depth: number;
  colour: Colour;
  interlaced: boolean;
  /** RGB triplets. */
  palette?: Uint8Array;
  /** Alpha of the first palette entries (tRNS of an indexed image). */
  paletteAlpha?: Uint8Array;
  /** A tRNS colour key on a grey or RGB image. */
  colourKey: boolean;
  idat: Uint8Array[];
  idatBytes: number;
}

/** A chunk type as text when it is four ASCII letters, as the format requires. */
function chunkType(b: Uint8Array, at: number): string | undefined {
  let s = '';
  for (let i = 0; i < 4; i++) {
    const c = b[at + i];
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122))) return undefined;
    s += String.fromCharCode(c);
  }
  return s;
}

function readIhdr(name: string, d: Uint8Array, limits: DecodeLimits): Omit<PngStructure, 'colourKey' | 'idat' | 'idatBytes'> {
  if (d.length !== 13) fail(name, `IHDR is ${d.length} bytes, not 13`);
  const width = u32(d, 0);
  const height = u32(d, 4);
  checkDecodeSize(name, width, height, limits);
  const [depth, colour, compression, filter, interlace] = d.subarray(8);
  if (!(colour in CHANNELS)) fail(name, `unknown colour type ${colour}`);
  if (!DEPTHS[colour].includes(depth)) fail(name, `bit depth ${depth} is not allowed for colour type ${colour}`);
  if (compression !== 0) fail(name, `unknown compression method ${compression}`);
  if (filter !== 0) fail(name, `unknown filter method ${filter}`);
  if (interlace > 1) fail(name, `unknown interlace method ${interlace}`);
  return { width, height, depth, colour: colour as Colour, interlaced: interlace === 1 };
}

/**
 * Walks the chunks, checking each critical chunk's CRC (it catches bit rot that would otherwise
 * decode to wrong pixels silently). Ancillary chunks other than tRNS are skipped unchecked, as
 * their contents cannot change the pixels.
 */
function readStructure(name: string, bytes: Uint8Array, limits: DecodeLimits): PngStructure {
  let header: ReturnType<typeof readIhdr> | undefined;
  let palette: Uint8Array | undefined;
  let paletteAlpha: Uint8Array | undefined;
  let colourKey = false;
  const idat: Uint8Array[] = [];
  let idatBytes = 0;
  for (let pos = 8; ; ) {
    if (pos + 8 > bytes.length) fail(name, 'file ends early');
    const length = u32(bytes, pos);
    const type = chunkType(bytes, pos + 4);
    if (type === undefined) fail(name, `invalid chunk type at byte ${pos + 4}`);
    if (length > 0x7fffffff) fail(name, `${type} chunk length ${length} is over the format's limit`);
    const start = pos + 8;
    const end = start + length;
    if (end + 4 > bytes.length) fail(name, 'file ends early');
    const critical = type.charCodeAt(0) < 97;
    if ((critical || type === 'tRNS') && crc32(bytes.subarray(pos + 4, end)) !== u32(bytes, end)) {
      fail(name, `CRC mismatch in the ${type} chunk`);
    }
    const data = bytes.subarray(start, end);
    pos = end + 4;
    if (!header) {
      if (type !== 'IHDR') fail(name, `the first chunk is ${type}, not IHDR`);
      header = readIhdr(name, data, limits);
      continue;
    }
    switch (type) {
      case 'IHDR':
        fail(name, 'more than one IHDR chunk');
      case 'PLTE':
        if (length === 0 || length % 3 !== 0 || length > 768) fail(name, `PLTE is ${length} bytes, not 3 to 768 in steps of 3`);
        // Grey images must not have one; truecolour ones may carry it as a suggestion.
        if (header.colour === Colour.Palette) palette = data;
        break;
      case 'tRNS':
        if (header.colour === Colour.Palette) paletteAlpha = data;
        else if (header.colour === Colour.Grey || header.colour === Colour.Rgb) colourKey = true;
        break;
      case 'IDAT':
        idat.push(data);
        idatBytes += length;
        break;
      case 'IEND':
        return { ...header, palette, paletteAlpha, colourKey, idat, idatBytes };
      default:
        if (critical) fail(name, `unknown critical chunk ${type}`);
    }
  }
}

function alphaWarning(name: string, transparent: number, total: number): string {
  const share = transparent === 0 ? 'all pixels opaque' : `${((100 * transparent) / total).toFixed(1)}% of pixels not opaque`;
  return `${name}: alpha channel dropped (${share})`;
}

/**
 * Writes one pass's unfiltered pixels (rows of `pass.rowBytes` at `start` of `buf`) into the
 * float RGB image, scattering them to the pass's grid; returns how many were not opaque.
 */
function convertPass(name: string, png: PngStructure, buf: Uint8Array, start: number, pass: PassLayout, out: Float32Array): number {
  const { depth, colour } = png;
  const max = (1 << depth) - 1;
  const sample =
    depth === 8
      ? (row: number, i: number) => buf[row + i]
      : depth === 16
        ? (row: number, i: number) => (buf[row + 2 * i] << 8) | buf[row + 2 * i + 1]
        : (row: number, i: number) => {
            const bit = i * depth;
            return (buf[row + (bit >> 3)] >> (8 - depth - (bit & 7))) & max;
          };
  const entries = png.palette ? png.palette.length / 3 : 0;
  const alphas = png.paletteAlpha;
  let transparent = 0;
  for (let py = 0; py < pass.height; py++) {
    const row = start + py * pass.rowBytes;
    let o = ((pass.y0 + py * pass.dy) * png.width + pass.x0) * 3;
    for (let px = 0; px < pass.width; px++, o += 3 * pass.dx) {
      switch (colour) {
        case Colour.Grey:
        case Colour.GreyAlpha: {
          const ch = colour === Colour.Grey ? 1 : 2;
          const v = sample(row, px * ch) / max;
          out[o] = v;
          out[o + 1] = v;
          out[o + 2] = v;
          if (ch === 2 && sample(row, px * 2 + 1) < max) transparent++;
          break;
        }
        case Colour.Rgb:
        case Colour.Rgba: {
          const ch = colour === Colour.Rgb ? 3 : 4;
          const i = px * ch;
          out[o] = sample(row, i) / max;
          out[o + 1] = sample(row, i + 1) / max;
          out[o + 2] = sample(row, i + 2) / max;
          if (ch === 4 && sample(row, i + 3) < max) transparent++;
          break;
        }
        case Colour.Palette: {
          const index = sample(row, px);
          if (index >= entries) fail(name, `palette index ${index} out of range (palette has ${entries} entries)`);
          const p = png.palette!;
          out[o] = p[index * 3] / 255;
          out[o + 1] = p[index * 3 + 1] / 255;
          out[o + 2] = p[index * 3 + 2] / 255;
          if (alphas && index < alphas.length && alphas[index] < 255) transparent++;
          break;
        }
      }
    }
  }
  return transparent;
}

export function decodePng(bytes: Uint8Array, name: string, limits: DecodeLimits): DecodedImage {
  const png = readStructure(name, bytes, limits);
  const { width, height } = png;
  if (png.colour === Colour.Palette && !png.palette) fail(name, 'indexed colour without a PLTE palette');
  const bitsPerPixel = CHANNELS[png.colour] * png.depth;
  const passes = passLayouts(width, height, bitsPerPixel, png.interlaced);
  const expected = filteredBytes(passes);
  if (png.idatBytes === 0) fail(name, 'no image data (IDAT)');
  // Checked before inflating, so a file cut short costs no large buffer.
  if (png.idatBytes * MAX_DEFLATE_RATIO < expected) {
    fail(name, `${png.idatBytes} bytes of image data cannot hold a ${width}x${height} image`);
  }
  let inflated;
  try {
    inflated = inflateCapped(png.idat, expected);
  } catch (e) {
    if (e instanceof InflateError) fail(name, `image data does not decompress: ${e.message}`);
    throw e;
  }
  if (inflated.length < expected) {
    fail(name, `image data ends after ${inflated.length} of the ${expected} bytes a ${width}x${height} image needs`);
  }
  const warnings: string[] = [];
  const buf = inflated.data;
  const out = new Float32Array(width * height * 3);
  const bpp = Math.max(1, bitsPerPixel >> 3);
  let transparent = 0;
  let start = 0;
  for (const pass of passes) {
    const bad = unfilterInPlace(buf, start, pass.height, pass.rowBytes, bpp);
    if (bad) fail(name, `unknown filter type ${bad.type}`);
    transparent += convertPass(name, png, buf, start, pass, out);
    start += pass.height * (pass.rowBytes + 1);
  }
  const hasAlpha = png.colour === Colour.GreyAlpha || png.colour === Colour.Rgba || (png.colour === Colour.Palette && png.paletteAlpha);
  if (hasAlpha) warnings.push(alphaWarning(name, transparent, width * height));
  if (png.colourKey) warnings.push(`${name}: transparent colour key (tRNS) ignored`);
  if (inflated.overflow) {
    warnings.push(`${name}: image data runs on past the ${width}x${height} pixels the header declares; the rest was ignored`);
  }
  return { image: createImage(width, height, out), warnings };
}
