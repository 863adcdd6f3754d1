import { CHAR_ADVANCE, LINE_ADVANCE, drawText, textWidth, wrapText, type Rgb } from './text.js';
import { GLYPH_ROWS } from './font5x7.js';
import { checkImage, createImage, type RgbImage } from './types.js';

export interface SideBySideOptions {
  /** Font pixel size; by default 1 per 128 px of the smallest panel height, lowered (to 1 at
   * least) until every label fits on one line. */
  scale?: number;
  /** Pixels between panels; by default 2 font pixels, at least 4. */
  gap?: number;
  background?: Rgb;
  strip?: Rgb;
  ink?: Rgb;
}

function longestWord(label: string): number {
  return Math.max(0, ...label.split(/\s+/).map((w) => w.length));
}

// The largest scale up to `preferred` at which every label fits on one line; failing that, the
// largest at which no word has to be cut (labels then wrap).
function fitScale(preferred: number, images: RgbImage[], labels: string[]): number {
  const fitsAll = (s: number, chars: (label: string) => number) =>
    images.every((im, i) => textWidth('x'.repeat(chars(labels[i])), s) + 4 * s <= im.width);
  for (let s = preferred; s >= 1; s--) if (fitsAll(s, (l) => l.length)) return s;
  for (let s = preferred; s > 1; s--) if (fitsAll(s, longestWord)) return s;
  return 1;
}

/**
 * Panels left to right on a dark background, each under a dark strip holding its label in the
 * built-in font (wrapped to the panel width). Panels of different heights are top-aligned.
 */
export function sideBySide(images: RgbImage[], labels: string[], options: SideBySideOptions = {}): RgbImage {
  if (images.length === 0) throw new Error('sideBySide: no images');
  if (labels.length !== images.length) {
    throw new Error(`sideBySide: ${images.length} images but ${labels.length} labels`);
  }
  images.forEach((im, i) => checkImage(im, `sideBySide panel ${i}`));
  const background = options.background ?? [0.06, 0.06, 0.06];
  const stripColor = options.strip ?? [0.14, 0.14, 0.14];
  const ink = options.ink ?? [1, 1, 1];
  const minH = Math.min(...images.map((im) => im.height));
  const scale = options.scale ?? fitScale(Math.max(1, Math.floor(minH / 128)), images, labels);
  if (!Number.isInteger(scale) || scale < 1) throw new Error(`sideBySide: scale must be a positive integer, got ${scale}`);
  const gap = options.gap ?? Math.max(4, 2 * scale);
  const pad = 2 * scale;

  const lines = images.map((im, i) => {
    const maxChars = Math.floor((im.width - 2 * pad + scale) / (CHAR_ADVANCE * scale));
    return wrapText(labels[i], maxChars);
  });
  const maxLines = Math.max(...lines.map((l) => l.length));
  // The last line needs no spacing below it, only its own rows (descenders included).
  const stripH = maxLines === 0 ? 0 : 2 * pad + ((maxLines - 1) * LINE_ADVANCE + GLYPH_ROWS) * scale;

  const width = images.reduce((s, im) => s + im.width, 0) + gap * (images.length - 1);
  const height = stripH + Math.max(...images.map((im) => im.height));
  const out = createImage(width, height);
  fillRect(out, 0, 0, width, height, background);

  let x0 = 0;
  images.forEach((im, i) => {
    fillRect(out, x0, 0, im.width, stripH, stripColor);
    lines[i].forEach((line, j) => {
      const tx = x0 + Math.floor((im.width - textWidth(line, scale)) / 2);
      drawText(out, line, tx, pad + j * LINE_ADVANCE * scale, scale, ink);
    });
    for (let y = 0; y < im.height; y++) {
      const src = y * im.width * 3;
      out.data.set(im.data.subarray(src, src + im.width * 3), ((stripH + y) * width + x0) * 3);
    }
    x0 += im.width + gap;
  });
  return out;
}

function fillRect(image: RgbImage, x0: number, y0: number, w: number, h: number, color: Rgb): void {
  for (let y = y0; y < y0 + h; y++) {
    for (let x = x0; x < x0 + w; x++) {
      const o = (y * image.width + x) * 3;
      image.data[o] = color[0];
      image.data[o + 1] = color[1];
      image.data[o + 2] = color[2];
    }
  }
}
