import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePng } from '../../src/image/encode.js';
import { createImage } from '../../src/image/types.js';
import { parseSafetensors } from '../../src/nn/safetensors.js';
import { TRAIN_DEFAULTS, type TrainConfig } from '../../src/resshift/trainer.js';
import { Rng } from '../../src/tensor/rng.js';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `resshift-${prefix}-`));
}

/** Writes `sizes.length` noise PNGs (im0.png, ...) into a new folder `dir`. */
export function writeImages(dir: string, sizes: [number, number][] = [[40, 36], [36, 40], [48, 32], [12, 10]], seed = 9): string {
  mkdirSync(dir, { recursive: true });
  const rng = new Rng(seed);
  sizes.forEach(([w, h], i) => {
    const im = createImage(w, h);
    rng.fillUniform(im.data);
    writeFileSync(join(dir, `im${i}.png`), encodePng(im));
  });
  return dir;
}

/** A tiny run: width 4, crop 16, batch 2, 2 epochs (4 steps on the 4 default images); evaluation off. */
export function tinyConfig(over: Partial<TrainConfig> = {}): TrainConfig {
  return { ...TRAIN_DEFAULTS, diffusion: { ...TRAIN_DEFAULTS.diffusion }, width: 4, crop: 16, batch: 2, epochs: 2, evalEvery: 0, ...over };
}

/**
 * Tensor names and raw bytes of a safetensors file, plus its metadata; the run id (random per
 * train session, so never equal between two runs) is split off from the rest of the metadata.
 */
export function tensorBytes(path: string): { tensors: Map<string, Buffer>; metadata: Record<string, string>; runId?: string } {
  const { tensors, metadata } = parseSafetensors(readFileSync(path));
  const { run_id: runId, ...rest } = metadata;
  return { tensors: new Map([...tensors].map(([n, t]) => [n, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)])), metadata: rest, runId };
}
