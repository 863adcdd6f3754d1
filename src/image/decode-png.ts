import { decode as decodePngData, type DecodedPng } from 'fast-png';
import { checkDecodeSize, type DecodeLimits } from './limits.js';
import { pngHeaderSize } from './sniff.js';
import { createImage, type DecodedImage } from './types.js';

function fail(name: string, reason: string): never {
  throw new Error(`${name}: corrupt or truncated PNG (${reason.replace(/\s+/g, ' ').trim()})`);
}

function reasonOf(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = e.cause instanceof Error ? `: ${e.cause.message}` : '';
  // fast-png reads past the end of a cut-off file through a DataView.
  if (e instanceof RangeError && /outside the bounds|out of bounds/i.test(e.message)) return 'file ends early';
  return `${e.message.replace(/:$/, '')}${cause}`;
}

/** Sample j of a row packed at `depth` < 8 bits, most significant bits first as PNG stores them. */
function packedSample(data: Uint8Array, rowStart: number, j: number, depth: number): number {
  const bit = j * depth;
  const shift = 8 - depth - (bit & 7);
  return (data[rowStart + (bit >> 3)] >> shift) & ((1 << depth) - 1);
}

function alphaWarning(name: string, transparent: number, total: number): string {
  const share = transparent === 0 ? 'all pixels opaque' : `${((100 * transparent) / total).toFixed(1)}% of pixels not opaque`;
  return `${name}: alpha channel dropped (${share})`;
}

function paletteToRgb(name: string, png: DecodedPng, out: Float32Array, warnings: string[]): void {
  const { width, height, depth } = png;
  const palette = png.palette;
  if (!palette || palette.length === 0) fail(name, 'indexed colour without a PLTE palette');
  const data = png.data as Uint8Array;
  const rowBytes = Math.ceil((width * depth) / 8);
  const hasAlpha = palette.some((c) => c.length > 3);
  let transparent = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const index = depth === 8 ? data[y * width + x] : packedSample(data, y * rowBytes, x, depth);
      const colour = palette[index];
      if (!colour) fail(name, `palette index ${index} out of range (palette has ${palette.length} entries)`);
      const o = (y * width + x) * 3;
      out[o] = colour[0] / 255;
      out[o + 1] = colour[1] / 255;
      out[o + 2] = colour[2] / 255;
      if (hasAlpha && colour.length > 3 && colour[3] < 255) transparent++;
    }
  }
  if (hasAlpha) warnings.push(alphaWarning(name, transparent, width * height));
}

function directToRgb(name: string, png: DecodedPng, out: Float32Array, warnings: string[]): void {
  const { width, height, depth, channels } = png;
  const data = png.data;
  const max = (1 << depth) - 1;
  const colourChannels = channels >= 3 ? 3 : 1;
  const hasAlpha = channels === 2 || channels === 4;
  const n = width * height;
  let transparent = 0;
  if (depth < 8) {
    // Only greyscale may have fewer than 8 bits per sample.
    const rowBytes = Math.ceil(width * depth / 8);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const v = packedSample(data as Uint8Array, y * rowBytes, x, depth) / max;
        const o = (y * width + x) * 3;
        out[o] = v;
        out[o + 1] = v;
        out[o + 2] = v;
      }
    }
  } else {
    if (data.length < n * channels) fail(name, `pixel data has ${data.length} samples, expected ${n * channels}`);
    for (let p = 0; p < n; p++) {
      const i = p * channels;
      const o = p * 3;
      if (colourChannels === 3) {
        out[o] = data[i] / max;
        out[o + 1] = data[i + 1] / max;
        out[o + 2] = data[i + 2] / max;
      } else {
        const v = data[i] / max;
        out[o] = v;
        out[o + 1] = v;
        out[o + 2] = v;
      }
      if (hasAlpha && data[i + channels - 1] < max) transparent++;
    }
  }
  if (hasAlpha) warnings.push(alphaWarning(name, transparent, n));
  if (png.transparency && png.transparency.length > 0) {
    warnings.push(`${name}: transparent colour key (tRNS) ignored`);
  }
}

export function decodePng(bytes: Uint8Array, name: string, limits: DecodeLimits): DecodedImage {
  const header = pngHeaderSize(bytes);
  if (!header) fail(name, 'missing IHDR header');
  checkDecodeSize(name, header.width, header.height, limits);
  let png: DecodedPng;
  try {
    // CRCs catch bit rot inside chunks that would otherwise decode to wrong pixels silently.
    png = decodePngData(bytes, { checkCrc: true });
  } catch (e) {
    fail(name, reasonOf(e));
  }
  const out = new Float32Array(png.width * png.height * 3);
  const warnings: string[] = [];
  // Truecolour PNGs may carry a suggested palette too; only one-channel data is indices.
  if (png.palette && png.channels === 1) paletteToRgb(name, png, out, warnings);
  else directToRgb(name, png, out, warnings);
  return { image: createImage(png.width, png.height, out), warnings };
}
