// JPEGs with an EXIF orientation, made by code: jpeg-js encodes, then an APP1 "Exif" segment
// holding a one-entry TIFF IFD0 (Orientation, tag 0x0112) goes in right after SOI.
import jpeg from 'jpeg-js';

/** Quadrant colours of quadrantImage: top-left, top-right, bottom-left, bottom-right. */
export const QUADRANTS = { tl: [255, 0, 0], tr: [0, 255, 0], bl: [0, 0, 255], br: [255, 255, 255] } as const;

/** RGBA pixels, each quadrant one flat colour (so JPEG keeps them apart). */
export function quadrantImage(width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const q = y < height / 2 ? (x < width / 2 ? QUADRANTS.tl : QUADRANTS.tr) : x < width / 2 ? QUADRANTS.bl : QUADRANTS.br;
      data.set([...q, 255], (y * width + x) * 4);
    }
  }
  return data;
}

/** The APP1 segment (marker included) of an EXIF block whose IFD0 holds `orientation`. */
export function exifSegment(orientation: number, order: 'II' | 'MM' = 'MM'): Uint8Array {
  const le = order === 'II';
  const tiff: number[] = [];
  const u16 = (v: number) => tiff.push(...(le ? [v & 255, v >> 8] : [v >> 8, v & 255]));
  const u32 = (v: number) => tiff.push(...(le ? [v & 255, (v >> 8) & 255, (v >> 16) & 255, v >>> 24] : [v >>> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255]));
  tiff.push(order.charCodeAt(0), order.charCodeAt(1));
  u16(42);
  u32(8); // IFD0 right after the header
  u16(2); // two entries: an unrelated one first, so the parser has to walk
  u16(0x010f); u16(2); u32(4); tiff.push(0x41, 0x42, 0x43, 0); // Make "ABC"
  u16(0x0112); u16(3); u32(1); u16(orientation); u16(0);
  u32(0); // no IFD1
  const payload = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
  const length = payload.length + 2;
  return Uint8Array.from([0xff, 0xe1, length >> 8, length & 255, ...payload]);
}

/** `jpegBytes` with `segment` inserted right after SOI. */
export function withSegment(jpegBytes: Uint8Array, segment: Uint8Array): Uint8Array {
  const out = new Uint8Array(jpegBytes.length + segment.length);
  out.set(jpegBytes.subarray(0, 2));
  out.set(segment, 2);
  out.set(jpegBytes.subarray(2), 2 + segment.length);
  return out;
}

/** A stored `width` x `height` quadrant JPEG carrying EXIF `orientation`. */
export function orientedJpeg(width: number, height: number, orientation: number, order: 'II' | 'MM' = 'MM'): Uint8Array {
  const plain = new Uint8Array(jpeg.encode({ width, height, data: quadrantImage(width, height) }, 95).data);
  return withSegment(plain, exifSegment(orientation, order));
}
