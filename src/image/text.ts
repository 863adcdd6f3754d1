import { GLYPH_ROWS, GLYPH_WIDTH, glyph } from './font5x7.js';
import type { RgbImage } from './types.js';

/** Horizontal advance per character and vertical advance per line, in font pixels. */
export const CHAR_ADVANCE = GLYPH_WIDTH + 1;
export const LINE_ADVANCE = GLYPH_ROWS + 2;

export type Rgb = readonly [number, number, number];

export function textWidth(text: string, scale: number): number {
  return text.length === 0 ? 0 : (text.length * CHAR_ADVANCE - 1) * scale;
}

/** Draws one line with its top-left cell corner at (x0, y0), each font pixel a scale x scale block; clipped. */
export function drawText(image: RgbImage, text: string, x0: number, y0: number, scale: number, color: Rgb): void {
  const { width, height, data } = image;
  let cx = x0;
  for (const ch of text) {
    const bits = glyph(ch);
    for (let gy = 0; gy < GLYPH_ROWS; gy++) {
      for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
        if (!bits[gy * GLYPH_WIDTH + gx]) continue;
        for (let dy = 0; dy < scale; dy++) {
          const y = y0 + gy * scale + dy;
          if (y < 0 || y >= height) continue;
          for (let dx = 0; dx < scale; dx++) {
            const x = cx + gx * scale + dx;
            if (x < 0 || x >= width) continue;
            const o = (y * width + x) * 3;
            data[o] = color[0];
            data[o + 1] = color[1];
            data[o + 2] = color[2];
          }
        }
      }
    }
    cx += CHAR_ADVANCE * scale;
  }
}

/**
 * Splits `text` into lines of at most `maxChars` characters, breaking at spaces and cutting words
 * that are longer than a line.
 */
export function wrapText(text: string, maxChars: number): string[] {
  const limit = Math.max(1, maxChars);
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    let rest = word;
    if (line.length > 0 && line.length + 1 + rest.length <= limit) {
      line += ' ' + rest;
      continue;
    }
    if (line.length > 0) lines.push(line);
    while (rest.length > limit) {
      lines.push(rest.slice(0, limit));
      rest = rest.slice(limit);
    }
    line = rest;
  }
  if (line.length > 0) lines.push(line);
  return lines;
}
