// Shared by the API tests: a tiny checkpoint made by code and small seeded images.
import { stateToBytes } from '../../src/resshift/checkpoint.js';
import { DualDomainUNet } from '../../src/resshift/model.js';
import { DEFAULT_RESSHIFT_CONFIG } from '../../src/resshift/schedule.js';
import { Rng } from '../../src/tensor/rng.js';

/** A width-4 model with the default diffusion settings, as checkpoint bytes. */
export function tinyCheckpoint(seed = 1): Uint8Array {
  const model = new DualDomainUNet({ baseChannels: 4 }, { rng: new Rng(seed), backend: 'ref' });
  const state = model.stateDict().map(([n, t]): [string, { shape: number[]; data: Float32Array }] => [n, { shape: [...t.shape], data: Float32Array.from(t.dataSync()) }]);
  model.dispose();
  return stateToBytes(state, { model: model.config, diffusion: { ...DEFAULT_RESSHIFT_CONFIG } });
}

/** Seeded 8-bit pixels: 3 (RGB) or 4 (RGBA, alpha from its own draws) bytes a pixel. */
export function pixels(width: number, height: number, channels: 3 | 4 = 3, seed = 9): { width: number; height: number; data: Uint8Array } {
  const u = new Rng(seed).fillUniform(new Float32Array(width * height * channels), 0, 256);
  return { width, height, data: Uint8Array.from(u, (v) => Math.min(255, Math.floor(v))) };
}
