// Evaluation of a folder, as `resshift-ts eval --data DIR [--crop N] [--out DIR]` scores it.
import { mkdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { evaluateModel, type EvaluateModelOptions, type Model } from '../api/model.js';
import { listImages, readImageFile, writePngFile } from '../image/files.js';
import { prepareHr, type EvaluateResult } from '../resshift/evaluate.js';

export interface EvaluateFolderOptions extends EvaluateModelOptions {
  /** Write a bicubic | SR | HR comparison PNG per image here (`<name>_compare.png`). */
  out?: string;
  /** Receives what the decoders dropped (alpha), one line each. */
  onWarning?: (message: string) => void;
}

export interface EvaluateFolderResult extends EvaluateResult {
  /** Comparison PNGs written to `out`. */
  written: string[];
}

/** SR and bicubic PSNR / SSIM / PSNR-Y of every PNG and JPEG in `dir`; every image is read and checked before any work. */
export async function evaluateFolder(model: Model, dir: string, options: EvaluateFolderOptions = {}): Promise<EvaluateFolderResult> {
  const images = [];
  for (const path of await listImages(dir)) {
    const { image, warnings } = await readImageFile(path);
    for (const w of warnings) options.onWarning?.(w);
    // keep only what is scored, so a folder of large photos with a crop stays small
    images.push({ name: basename(path), image: prepareHr(image, options.crop, path) });
  }
  const out = options.out;
  if (out !== undefined) await mkdir(out, { recursive: true });
  // the images are cropped already
  const r = await evaluateModel(model, images, { ...options, crop: undefined, comparisons: options.comparisons || out !== undefined });
  const written: string[] = [];
  if (out !== undefined) {
    for (const c of r.comparisons ?? []) {
      const path = join(out, `${basename(c.name, extname(c.name))}_compare.png`);
      await writePngFile(path, c.image);
      written.push(path);
    }
  }
  return { ...r, written };
}
