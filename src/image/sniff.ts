// Format detection and header peeking, so that size limits are enforced before a decoder
// allocates anything.

export type ImageFormat = 'png' | 'jpeg';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function sniffFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  // SOI followed by the first marker's 0xFF; every JPEG flavour (JFIF, Exif, raw) starts so.
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

/** "RIFF....WEBP": a WebP file (decoded asynchronously, by readImageFile in Node). */
export function isWebp(bytes: Uint8Array): boolean {
  const at = (i: number, s: string) => [...s].every((c, k) => bytes[i + k] === c.charCodeAt(0));
  return bytes.length >= 12 && at(0, 'RIFF') && at(8, 'WEBP');
}

export interface Size {
  width: number;
  height: number;
}

export interface JpegFrameInfo extends Size {
  /** 1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK. */
  components: number;
  /** The SOFn marker: C0 baseline, C1 extended, C2 progressive, C9+ arithmetic coding. */
  marker: number;
}

function u16be(b: Uint8Array, i: number): number {
  return (b[i] << 8) | b[i + 1];
}

function u32be(b: Uint8Array, i: number): number {
  return ((b[i] << 24) >>> 0) + ((b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]);
}

/** Bytes `pngHeaderSize` needs: the signature, IHDR's length and type, width and height. */
export const PNG_HEADER_BYTES = 24;

/** Width and height from the IHDR chunk, which the PNG spec requires to come first. */
export function pngHeaderSize(bytes: Uint8Array): Size | undefined {
  if (bytes.length < PNG_HEADER_BYTES) return undefined;
  const isIhdr = bytes[12] === 0x49 && bytes[13] === 0x48 && bytes[14] === 0x44 && bytes[15] === 0x52;
  if (!isIhdr) return undefined;
  return { width: u32be(bytes, 16), height: u32be(bytes, 20) };
}

// SOFn markers carry the frame size; C4 (DHT), C8 (JPG extension) and CC (DAC) share the range
// but are not frames.
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** The first SOFn segment's fields, found by walking the marker segments before it. */
export function jpegFrameInfo(bytes: Uint8Array): JpegFrameInfo | undefined {
  let i = 2;
  while (i + 4 <= bytes.length) {
    if (bytes[i] !== 0xff) return undefined;
    const marker = bytes[i + 1];
    if (marker === 0xff) {
      i += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2; // markers without a length field
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return undefined; // end, or scan data before any frame
    const length = u16be(bytes, i + 2);
    if (length < 2) return undefined;
    if (isStartOfFrame(marker)) {
      if (i + 10 > bytes.length) return undefined;
      return { height: u16be(bytes, i + 5), width: u16be(bytes, i + 7), components: bytes[i + 9], marker };
    }
    i += 2 + length;
  }
  return undefined;
}

export interface JpegComponent {
  id: number;
  /** Sampling factors, 1 to 4 in a valid file. */
  h: number;
  v: number;
}

export interface JpegFrame extends JpegFrameInfo {
  /** Bits per sample: 8 for the files jpeg-js decodes correctly. */
  precision: number;
  componentList: JpegComponent[];
}

export interface JpegStructure {
  /** Every SOFn segment found, in file order. */
  frames: JpegFrame[];
  /** SOS segments (scans) found. */
  scans: number;
  /** Component ids each scan names, all scans together. */
  scanComponents: number[];
  /** A scan came before any frame header. */
  scanBeforeFrame: boolean;
}

function readFrame(bytes: Uint8Array, i: number, marker: number, length: number): JpegFrame | undefined {
  if (length < 8 || i + 2 + length > bytes.length) return undefined;
  const components = bytes[i + 9];
  if (length < 8 + 3 * components) return undefined;
  const componentList: JpegComponent[] = [];
  for (let c = 0; c < components; c++) {
    const at = i + 10 + 3 * c;
    componentList.push({ id: bytes[at], h: bytes[at + 1] >> 4, v: bytes[at + 1] & 15 });
  }
  return { marker, precision: bytes[i + 4], height: u16be(bytes, i + 5), width: u16be(bytes, i + 7), components, componentList };
}

/**
 * All frame headers and the number of scans, found by walking the marker segments and skipping
 * each scan's entropy-coded data (where 0xFF is followed by 0x00 as stuffing or by a restart
 * marker, so any other 0xFF xx is the next marker). The walk stops at EOI, at the end of the
 * data, or where the bytes stop looking like markers (the decoder then reports the damage).
 */
export function jpegStructure(bytes: Uint8Array): JpegStructure {
  const frames: JpegFrame[] = [];
  const scanComponents: number[] = [];
  let scans = 0;
  let scanBeforeFrame = false;
  let i = 2;
  while (i + 4 <= bytes.length) {
    if (bytes[i] !== 0xff) break;
    const marker = bytes[i + 1];
    if (marker === 0xff) {
      i += 1;
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    if (marker === 0xd9) break;
    const length = u16be(bytes, i + 2);
    if (length < 2) break;
    if (isStartOfFrame(marker)) {
      const frame = readFrame(bytes, i, marker, length);
      if (!frame) break;
      frames.push(frame);
    }
    if (marker === 0xda) {
      scans++;
      if (frames.length === 0) scanBeforeFrame = true;
      const count = bytes[i + 4] ?? 0;
      for (let c = 0; c < count && 5 + 2 * c < length && i + 5 + 2 * c < bytes.length; c++) scanComponents.push(bytes[i + 5 + 2 * c]);
    }
    i += 2 + length;
    if (marker === 0xda) {
      while (i + 1 < bytes.length && !(bytes[i] === 0xff && bytes[i + 1] !== 0 && !(bytes[i + 1] >= 0xd0 && bytes[i + 1] <= 0xd7))) i++;
    }
  }
  return { frames, scans, scanComponents, scanBeforeFrame };
}
