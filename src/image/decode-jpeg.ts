import jpeg from 'jpeg-js';
import { checkDecodeSize, type DecodeLimits } from './limits.js';
import { jpegFrameInfo } from './sniff.js';
import { createImage, type DecodedImage } from './types.js';

function endsWithEoi(bytes: Uint8Array): boolean {
  const n = bytes.length;
  return n >= 2 && bytes[n - 2] === 0xff && bytes[n - 1] === 0xd9;
}

export function decodeJpeg(bytes: Uint8Array, name: string, limits: DecodeLimits): DecodedImage {
  const frame = jpegFrameInfo(bytes);
  if (!frame) {
    throw new Error(`${name}: corrupt or truncated JPEG (no frame header found)`);
  }
  checkDecodeSize(name, frame.width, frame.height, limits);
  if (frame.marker >= 0xc9) {
    throw new Error(`${name}: unsupported JPEG (arithmetic coding is not supported; re-save it as baseline or progressive)`);
  }
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = jpeg.decode(bytes, {
      useTArray: true, // plain Uint8Array output, so no Buffer and it runs in browsers
      formatAsRGBA: false,
      maxResolutionInMP: Math.ceil(limits.maxPixels / 1e6),
      // Our size limit is the real guard; this only keeps jpeg-js's own (lower) default out of the way.
      maxMemoryUsageInMB: 8192,
    });
  } catch (e) {
    const message = (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').trim();
    // jpeg-js reports a cut-off file by whatever it met where the data ended.
    const truncated = endsWithEoi(bytes) ? '' : 'file ends before the end-of-image marker; ';
    throw new Error(`${name}: corrupt or truncated JPEG (${truncated}${message})`);
  }
  const { width, height, data } = decoded;
  const out = new Float32Array(width * height * 3);
  for (let i = 0; i < out.length; i++) out[i] = data[i] / 255;
  const warnings: string[] = [];
  if (frame.components === 4) {
    warnings.push(`${name}: CMYK JPEG converted to RGB without colour management`);
  }
  return { image: createImage(width, height, out), warnings };
}
