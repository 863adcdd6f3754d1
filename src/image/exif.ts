// The EXIF orientation of a JPEG, and the pixel reordering it asks for. Cameras and phones store
// the sensor's pixels as they are and record in the EXIF block how to turn them for display;
// without this a portrait phone photo comes out on its side.
//
// The parser reads only the Orientation tag (0x0112) of IFD0 in the first "Exif" APP1 segment.
// The file is untrusted: every read is checked against the end of that segment (and of the
// file), offsets are followed once, and anything malformed counts as "no orientation" (1).

/** 1 (as stored) to 8, as EXIF numbers them. */
export type Orientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

/** The Orientation tag of a TIFF block (the APP1 payload after "Exif\0\0"), or 1. */
function tiffOrientation(b: Uint8Array, start: number, end: number): Orientation {
  const at = (i: number, n: number) => i >= start && i + n <= end;
  if (!at(start, 8)) return 1;
  const little = b[start] === 0x49 && b[start + 1] === 0x49; // "II"
  const big = b[start] === 0x4d && b[start + 1] === 0x4d; // "MM"
  if (!little && !big) return 1;
  const u16 = (i: number) => (little ? b[i] | (b[i + 1] << 8) : (b[i] << 8) | b[i + 1]);
  const u32 = (i: number) => (little ? (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16)) + b[i + 3] * 2 ** 24 : b[i] * 2 ** 24 + ((b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]));
  if (u16(start + 2) !== 42) return 1;
  const ifd = start + u32(start + 4); // offsets count from the TIFF header
  if (!at(ifd, 2)) return 1;
  const count = u16(ifd);
  for (let k = 0; k < count; k++) {
    const e = ifd + 2 + 12 * k;
    if (!at(e, 12)) return 1;
    if (u16(e) !== 0x0112) continue;
    // type SHORT (3), one value, stored in the first two bytes of the value field
    if (u16(e + 2) !== 3 || u32(e + 4) !== 1) return 1;
    const v = u16(e + 8);
    return v >= 1 && v <= 8 ? (v as Orientation) : 1;
  }
  return 1;
}

/**
 * The EXIF orientation of a JPEG, 1 when it has none (or an unreadable one). Walks the marker
 * segments from SOI up to the first scan or frame; never reads past a segment or the data.
 */
export function jpegOrientation(bytes: Uint8Array): Orientation {
  if (!(bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8)) return 1;
  let i = 2;
  while (i + 4 <= bytes.length) {
    if (bytes[i] !== 0xff) return 1;
    const marker = bytes[i + 1];
    if (marker === 0xff) {
      i += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    // EXIF comes before the image data; past a frame or scan header there is none to find
    if (marker === 0xda || marker === 0xd9 || (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xcc)) return 1;
    const length = (bytes[i + 2] << 8) | bytes[i + 3];
    if (length < 2) return 1;
    const end = Math.min(i + 2 + length, bytes.length);
    const p = i + 4;
    const exif = marker === 0xe1 && p + 6 <= end && bytes[p] === 0x45 && bytes[p + 1] === 0x78 && bytes[p + 2] === 0x69 && bytes[p + 3] === 0x66 && bytes[p + 4] === 0 && bytes[p + 5] === 0;
    if (exif) return tiffOrientation(bytes, p + 6, end);
    i += 2 + length;
  }
  return 1;
}

/** Width and height once `o` is applied: 5 to 8 swap them. */
export function orientedSize(width: number, height: number, o: Orientation): [number, number] {
  return o >= 5 ? [height, width] : [width, height];
}

/**
 * The pixels of a `width` x `height` image with `channels` samples a pixel, turned as
 * orientation `o` says for display (2 mirror, 3 turn 180°, 4 flip, 5 transpose, 6 turn 90°
 * clockwise, 7 transverse, 8 turn 90° anticlockwise). Returns `data` itself for 1.
 */
export function applyOrientation<T extends Uint8Array | Float32Array>(data: T, width: number, height: number, channels: number, o: Orientation): T {
  if (o === 1) return data;
  const [W, H] = orientedSize(width, height, o);
  const out = new (data.constructor as { new (n: number): T })(data.length);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      // the source pixel shown at (x, y)
      let sx: number;
      let sy: number;
      switch (o) {
        case 2: sx = width - 1 - x; sy = y; break;
        case 3: sx = width - 1 - x; sy = height - 1 - y; break;
        case 4: sx = x; sy = height - 1 - y; break;
        case 5: sx = y; sy = x; break;
        case 6: sx = y; sy = height - 1 - x; break;
        case 7: sx = width - 1 - y; sy = height - 1 - x; break;
        default: sx = width - 1 - y; sy = x; break; // 8
      }
      const from = (sy * width + sx) * channels;
      const to = (y * W + x) * channels;
      for (let c = 0; c < channels; c++) out[to + c] = data[from + c];
    }
  }
  return out;
}
