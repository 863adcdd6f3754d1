import { constants, deflateRawSync } from 'node:zlib';

// Builders for hand-made PNG chunks, to craft files fast-png's encoder cannot write
// (tRNS colour keys, absurd sizes, chunks with valid CRCs but bad contents).

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** `png` with `chunk` inserted right after IHDR (which always ends at byte 33). */
export function insertAfterIhdr(png: Uint8Array, chunk: Uint8Array): Uint8Array {
  return concatBytes(png.subarray(0, 33), chunk, png.subarray(33));
}

/** `png` with its IHDR size fields replaced, CRC fixed. */
export function withIhdrSize(png: Uint8Array, width: number, height: number): Uint8Array {
  const ihdr = png.slice(16, 29);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  return concatBytes(png.subarray(0, 8), pngChunk('IHDR', ihdr), png.subarray(33));
}

export const PNG_SIGNATURE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function ihdr(width: number, height: number, depth: number, colour: number, interlace = 0): Uint8Array {
  const d = new Uint8Array(13);
  const v = new DataView(d.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  d.set([depth, colour, 0, 0, interlace], 8);
  return pngChunk('IHDR', d);
}

const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];

export interface RawPng {
  width: number;
  height: number;
  /** IHDR colour type: 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
  colour: number;
  depth: number;
  /** Row-major samples, `channels` per pixel, each below 2^depth. */
  samples: ArrayLike<number>;
  interlaced?: boolean;
  /** Filter type for the n-th row written (counting across Adam7 passes). */
  filter?: (n: number) => number;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * The filtered scanlines (filter byte + row, every pass) of an image, written independently of
 * the decoder under test so the two can check each other: samples are packed MSB first, 16-bit
 * big-endian, and each row is filtered with the type `filter` picks.
 */
export function filteredScanlines(p: RawPng): Uint8Array {
  const ch = CHANNELS[p.colour];
  const bitsPerPixel = ch * p.depth;
  const bpp = Math.max(1, bitsPerPixel >> 3);
  const grids = p.interlaced ? ADAM7 : [[0, 0, 1, 1]];
  const rows: Uint8Array[] = [];
  let n = 0;
  for (const [x0, y0, dx, dy] of grids) {
    const w = Math.ceil((p.width - x0) / dx);
    const h = Math.ceil((p.height - y0) / dy);
    if (w <= 0 || h <= 0) continue;
    const rowBytes = Math.ceil((w * bitsPerPixel) / 8);
    let prev = new Uint8Array(rowBytes);
    for (let py = 0; py < h; py++) {
      const raw = new Uint8Array(rowBytes);
      for (let px = 0; px < w; px++) {
        for (let c = 0; c < ch; c++) {
          const v = p.samples[((y0 + py * dy) * p.width + x0 + px * dx) * ch + c];
          const i = px * ch + c;
          if (p.depth === 16) {
            raw[2 * i] = v >> 8;
            raw[2 * i + 1] = v & 255;
          } else if (p.depth === 8) raw[i] = v;
          else raw[(i * p.depth) >> 3] |= v << (8 - p.depth - ((i * p.depth) & 7));
        }
      }
      const type = p.filter ? p.filter(n++) : 0;
      const out = new Uint8Array(rowBytes + 1);
      out[0] = type;
      for (let i = 0; i < rowBytes; i++) {
        const a = i >= bpp ? raw[i - bpp] : 0;
        const b = prev[i];
        const c = i >= bpp ? prev[i - bpp] : 0;
        const pred = [0, a, b, (a + b) >> 1, paeth(a, b, c)][type] ?? 0;
        out[1 + i] = (raw[i] - pred) & 255;
      }
      rows.push(out);
      prev = raw;
    }
  }
  return concatBytes(...rows);
}

/** A PNG file from its IHDR fields, the zlib stream of its image data, and extra chunks before IDAT. */
export function pngFile(p: Pick<RawPng, 'width' | 'height' | 'colour' | 'depth' | 'interlaced'>, zlibData: Uint8Array, before: Uint8Array[] = []): Uint8Array {
  return concatBytes(
    PNG_SIGNATURE,
    ihdr(p.width, p.height, p.depth, p.colour, p.interlaced ? 1 : 0),
    ...before,
    pngChunk('IDAT', zlibData),
    pngChunk('IEND', new Uint8Array(0)),
  );
}

/**
 * A zlib stream of `mib` MiB of zeros, about 1 KB per MiB: one MiB of zeros compressed with a
 * full flush (so it refers to nothing before it and ends on a byte boundary, without BFINAL),
 * repeated, then an empty final block and the Adler-32 of the whole.
 */
export function zlibZeros(mib: number): Uint8Array {
  const piece = deflateRawSync(Buffer.alloc(2 ** 20), { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  const total = mib * 2 ** 20;
  const adler = new Uint8Array(4);
  // Adler-32 of n zero bytes: a stays 1, b adds a once per byte.
  new DataView(adler.buffer).setUint32(0, (((total % 65521) << 16) | 1) >>> 0);
  return concatBytes(new Uint8Array([0x78, 0xda]), ...Array.from({ length: mib }, () => piece), new Uint8Array([0x03, 0x00]), adler);
}

/** Returns a function giving how far this process's peak RSS has grown since the call, in bytes. */
export function peakRssGrowth(): () => number {
  const before = process.resourceUsage().maxRSS * 1024;
  return () => process.resourceUsage().maxRSS * 1024 - before;
}

