// PNG scanline layout: row sizes, the Adam7 passes, and undoing the per-row filters
// (https://www.w3.org/TR/png-3/#9Filters).

export interface PassLayout {
  /** Where the pass's pixels go in the image: first column and row, then the steps. */
  x0: number;
  y0: number;
  dx: number;
  dy: number;
  /** Its own size in pixels; empty passes (small images) are left out of the list. */
  width: number;
  height: number;
  /** Bytes of one unfiltered row. */
  rowBytes: number;
}

const ADAM7: readonly (readonly [number, number, number, number])[] = [
  [0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2],
];

/** The passes of an image (one covering it all unless interlaced), in file order. */
export function passLayouts(width: number, height: number, bitsPerPixel: number, interlaced: boolean): PassLayout[] {
  const grids = interlaced ? ADAM7 : [[0, 0, 1, 1] as const];
  const out: PassLayout[] = [];
  for (const [x0, y0, dx, dy] of grids) {
    const w = Math.ceil((width - x0) / dx);
    const h = Math.ceil((height - y0) / dy);
    if (w > 0 && h > 0) out.push({ x0, y0, dx, dy, width: w, height: h, rowBytes: Math.ceil((w * bitsPerPixel) / 8) });
  }
  return out;
}

/** Bytes of filtered image data the passes take: each row is its filter-type byte plus the row. */
export function filteredBytes(passes: readonly PassLayout[]): number {
  return passes.reduce((n, p) => n + p.height * (p.rowBytes + 1), 0);
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * Undoes the filters of `rows` filtered rows starting at `start` of `buf`, in place: row r's
 * bytes end up at start + r * rowBytes (the filter-type bytes squeezed out). Writing never
 * overtakes reading, since each output byte lies before the input byte it comes from. `bpp` is
 * the filters' byte distance to the left neighbour: whole bytes per pixel, at least 1. Returns
 * the first row with an unknown filter type, or null when all rows were undone.
 */
export function unfilterInPlace(buf: Uint8Array, start: number, rows: number, rowBytes: number, bpp: number): { row: number; type: number } | null {
  for (let r = 0; r < rows; r++) {
    const src = start + r * (rowBytes + 1) + 1;
    const dst = start + r * rowBytes;
    const up = dst - rowBytes; // the previous row, already unfiltered
    const type = buf[src - 1];
    switch (type) {
      case 0:
        buf.copyWithin(dst, src, src + rowBytes);
        break;
      case 1:
        for (let i = 0; i < rowBytes; i++) buf[dst + i] = buf[src + i] + (i >= bpp ? buf[dst + i - bpp] : 0);
        break;
      case 2:
        for (let i = 0; i < rowBytes; i++) buf[dst + i] = buf[src + i] + (r > 0 ? buf[up + i] : 0);
        break;
      case 3:
        for (let i = 0; i < rowBytes; i++) {
          const left = i >= bpp ? buf[dst + i - bpp] : 0;
          const above = r > 0 ? buf[up + i] : 0;
          buf[dst + i] = buf[src + i] + ((left + above) >> 1);
        }
        break;
      case 4:
        for (let i = 0; i < rowBytes; i++) {
          const left = i >= bpp ? buf[dst + i - bpp] : 0;
          const above = r > 0 ? buf[up + i] : 0;
          const corner = r > 0 && i >= bpp ? buf[up + i - bpp] : 0;
          buf[dst + i] = buf[src + i] + paeth(left, above, corner);
        }
        break;
      default:
        return { row: r, type };
    }
  }
  return null;
}
