import jpeg from 'jpeg-js';
import { ImageError } from './errors.js';
import { applyOrientation, jpegOrientation, orientedSize } from './exif.js';
import { checkDecodeSize, type DecodeLimits } from './limits.js';
import { jpegStructure, type JpegFrame } from './sniff.js';
import { createImage, type DecodedImage } from './types.js';

/**
 * Most scans accepted. Each scan walks every block of the components it covers, and a
 * progressive scan can cover 32767 blocks in a few bits, so scans multiply the work a small file
 * can ask for; real files have about 10, and libjpeg-turbo suggests 500 as a limit.
 */
export const MAX_JPEG_SCANS = 500;

function fail(name: string, reason: string): never {
  throw new ImageError(`${name}: corrupt or truncated JPEG (${reason})`);
}

function unsupported(name: string, reason: string): never {
  throw new ImageError(`${name}: unsupported JPEG (${reason})`);
}

function endsWithEoi(bytes: Uint8Array): boolean {
  const n = bytes.length;
  return n >= 2 && bytes[n - 2] === 0xff && bytes[n - 1] === 0xd9;
}

/**
 * The fewest bytes that can hold a complete image of this frame. Every 8x8 block of every
 * component (whose size is the image's scaled by its sampling over the largest) gets its DC
 * coefficient coded in some scan, and a Huffman code is at least one bit, so a file needs at
 * least one bit per block (arithmetic coding, which could do with less, is refused).
 */
function minimumBytes(frame: JpegFrame): number {
  const maxH = Math.max(...frame.componentList.map((c) => c.h));
  const maxV = Math.max(...frame.componentList.map((c) => c.v));
  let blocks = 0;
  for (const c of frame.componentList) {
    blocks += Math.ceil(Math.ceil((frame.width * c.h) / maxH) / 8) * Math.ceil(Math.ceil((frame.height * c.v) / maxV) / 8);
  }
  return Math.ceil(blocks / 8);
}

/**
 * What jpeg-js asks its allocation counter for when it decodes this frame (per component: an
 * Int32Array(64) per block of the MCU-padded grid, then 8-bit sample lines; then the output
 * twice), plus four bytes per file byte for the tables it allocates as it parses them. Setting its
 * limit to this makes any further allocation, such as a second frame hidden where our marker
 * walk did not look, fail inside jpeg-js before it happens.
 */
function jpegJsBudget(frame: JpegFrame, fileBytes: number): number {
  const { width: w, height: h } = frame;
  const maxH = Math.max(...frame.componentList.map((c) => c.h));
  const maxV = Math.max(...frame.componentList.map((c) => c.v));
  const mcusPerLine = Math.ceil(w / 8 / maxH);
  const mcusPerColumn = Math.ceil(h / 8 / maxV);
  let total = 0;
  for (const c of frame.componentList) {
    total += mcusPerColumn * c.v * mcusPerLine * c.h * 256;
    const blocksPerLine = Math.ceil((Math.ceil(w / 8) * c.h) / maxH);
    const blocksPerColumn = Math.ceil((Math.ceil(h / 8) * c.v) / maxV);
    total += blocksPerLine * 8 * blocksPerColumn * 8;
  }
  total += w * h * 3 + w * h * frame.components;
  return total + 4 * fileBytes + 2 ** 20;
}

/** The frame header checks, done before jpeg-js allocates anything for the frame. */
function checkFrame(name: string, bytes: Uint8Array, limits: DecodeLimits): JpegFrame {
  const { frames, scans, scanComponents, scanBeforeFrame } = jpegStructure(bytes);
  const frame = frames[0];
  if (!frame) fail(name, 'no frame header found');
  const m = frame.marker;
  if (m >= 0xc9) unsupported(name, 'arithmetic coding is not supported; re-save it as baseline or progressive');
  if (m === 0xc3 || m >= 0xc5) unsupported(name, 'lossless or hierarchical coding is not supported; re-save it as baseline or progressive');
  if (frames.length > 1) fail(name, `${frames.length} frame headers; a JPEG image has one`);
  if (frame.precision !== 8) unsupported(name, `${frame.precision}-bit samples; only 8-bit JPEGs are supported`);
  checkDecodeSize(name, frame.width, frame.height, limits);
  if (frame.components < 1 || frame.components > 4) fail(name, `${frame.components} colour components`);
  if (frame.componentList.some((c) => c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4)) fail(name, 'sampling factors outside 1 to 4');
  const need = minimumBytes(frame);
  if (bytes.length < need) {
    fail(name, `a ${frame.width}x${frame.height} JPEG needs at least ${need} bytes, the file has ${bytes.length}`);
  }
  if (scanBeforeFrame) fail(name, 'a scan comes before the frame header');
  const unknown = scanComponents.find((id) => !frame.componentList.some((c) => c.id === id));
  if (unknown !== undefined) fail(name, `a scan names colour component ${unknown}, which the frame does not have`);
  if (scans > MAX_JPEG_SCANS) fail(name, `${scans} scans, over the limit of ${MAX_JPEG_SCANS}`);
  return frame;
}

// jpeg-js's own error texts, each put in words of ours; anything else it throws is an internal
// failure (a TypeError on a missing table, say) whose text would mean nothing to a user.
const JPEG_JS_ERRORS: [RegExp, string][] = [
  [/^(unexpected marker|marker was not found|invalid huffman sequence|invalid ACn encoding|Could not recreate Huffman Table)/, 'corrupt compressed data'],
  [/^unknown JPEG marker ([0-9a-f]+)$/, 'unknown marker 0x$1'],
  [/^first unknown JPEG marker/, 'unknown markers'],
  [/^DQT: invalid table spec/, 'invalid quantization table'],
  [/^SOI not found/, 'no start-of-image marker'],
  [/^only single frame JPEGs supported/, 'not exactly one frame header'],
  [/^Unsupported color mode/, 'unsupported number of colour components'],
  [/^Invalid sampling factor/, 'sampling factors outside 1 to 4'],
  [/^maxMemoryUsageInMB limit exceeded/, 'its tables or frames need more memory than its frame header allows'],
];

function reasonOf(e: unknown): string {
  const message = e instanceof Error && e.constructor === Error ? e.message : '';
  for (const [pattern, reason] of JPEG_JS_ERRORS) {
    const m = pattern.exec(message);
    if (m) return reason.replace('$1', m[1] ?? '');
  }
  return 'the data does not decode';
}

export function decodeJpeg(bytes: Uint8Array, name: string, limits: DecodeLimits): DecodedImage {
  const frame = checkFrame(name, bytes, limits);
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = jpeg.decode(bytes, {
      useTArray: true, // plain Uint8Array output, so no Buffer and it runs in browsers
      formatAsRGBA: false,
      maxResolutionInMP: Math.ceil(limits.maxPixels / 1e6),
      maxMemoryUsageInMB: jpegJsBudget(frame, bytes.length) / 2 ** 20,
    });
  } catch (e) {
    // jpeg-js reports a cut-off file by whatever it met where the data ended.
    const truncated = endsWithEoi(bytes) ? '' : 'file ends before the end-of-image marker; ';
    fail(name, `${truncated}${reasonOf(e)}`);
  }
  if (decoded.width !== frame.width || decoded.height !== frame.height) fail(name, 'not exactly one frame header');
  // turned as the EXIF orientation says, on the 8-bit samples (a quarter of the float image's bytes)
  const orientation = jpegOrientation(bytes);
  const data = applyOrientation(decoded.data, decoded.width, decoded.height, 3, orientation);
  const [width, height] = orientedSize(decoded.width, decoded.height, orientation);
  const out = new Float32Array(width * height * 3);
  for (let i = 0; i < out.length; i++) out[i] = data[i] / 255;
  const warnings: string[] = [];
  if (frame.components === 4) {
    warnings.push(`${name}: CMYK JPEG converted to RGB without colour management`);
  }
  return { image: createImage(width, height, out), warnings };
}
