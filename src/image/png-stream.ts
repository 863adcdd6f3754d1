// The parts of an 8-bit RGB PNG written row by row: the signature and header, chunk framing
// with its CRC, and per-row filtering. Compression is the caller's (a zlib stream over the
// filtered rows, cut into IDAT chunks), so this file runs anywhere; src/node/png-writer.ts
// streams it to a file.

export const PNG_SIGNATURE = Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10);

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO 3309, as PNG uses it) of `parts` taken in order. */
export function crc32(...parts: Uint8Array[]): number {
  let c = 0xffffffff;
  for (const p of parts) for (let i = 0; i < p.length; i++) c = CRC_TABLE[(c ^ p[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A chunk: length, 4-letter type, data, CRC of type and data. */
export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  if (!/^[A-Za-z]{4}$/.test(type)) throw new Error(`pngChunk: bad chunk type '${type}'`);
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  const name = Uint8Array.from(type, (ch) => ch.charCodeAt(0));
  view.setUint32(0, data.length);
  out.set(name, 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(name, data));
  return out;
}

/** Signature and IHDR of a width x height, 8-bit RGB, non-interlaced PNG. */
export function pngHeaderRgb8(width: number, height: number): Uint8Array {
  for (const [what, v] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 0x7fffffff) throw new Error(`PNG ${what} must be an integer from 1 to 2^31 - 1, got ${v}`);
  }
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type 2 (RGB), deflate, adaptive filtering, no interlace
  const chunk = pngChunk('IHDR', ihdr);
  const out = new Uint8Array(PNG_SIGNATURE.length + chunk.length);
  out.set(PNG_SIGNATURE);
  out.set(chunk, PNG_SIGNATURE.length);
  return out;
}

export const PNG_END = pngChunk('IEND', new Uint8Array(0));

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * Filters the rows of an image in order, each with the filter type whose output has the smallest
 * sum of absolute values as signed bytes (the PNG specification's suggested heuristic): photos
 * compress far better than unfiltered.
 */
export class PngRowFilter {
  private prev: Uint8Array;
  private readonly candidates: Uint8Array[];

  constructor(
    private readonly rowBytes: number,
    private readonly bpp: number,
  ) {
    this.prev = new Uint8Array(rowBytes);
    this.candidates = Array.from({ length: 5 }, () => new Uint8Array(rowBytes));
  }

  /** The next row as PNG scanline data: a filter-type byte, then the filtered bytes (a new array). */
  filter(row: Uint8Array): Uint8Array {
    const { rowBytes: n, bpp, prev, candidates } = this;
    if (row.length !== n) throw new Error(`PngRowFilter: a row of ${row.length} bytes, expected ${n}`);
    const [none, sub, up, avg, pth] = candidates;
    for (let i = 0; i < n; i++) {
      const a = i >= bpp ? row[i - bpp] : 0;
      const b = prev[i];
      const c = i >= bpp ? prev[i - bpp] : 0;
      const x = row[i];
      none[i] = x;
      sub[i] = x - a;
      up[i] = x - b;
      avg[i] = x - ((a + b) >> 1);
      pth[i] = x - paeth(a, b, c);
    }
    let best = 0;
    let bestCost = Infinity;
    for (let f = 0; f < 5; f++) {
      const v = candidates[f];
      let cost = 0;
      for (let i = 0; i < n && cost < bestCost; i++) cost += v[i] < 128 ? v[i] : 256 - v[i];
      if (cost < bestCost) [best, bestCost] = [f, cost];
    }
    const out = new Uint8Array(n + 1);
    out[0] = best;
    out.set(candidates[best], 1);
    this.prev.set(row);
    return out;
  }
}
