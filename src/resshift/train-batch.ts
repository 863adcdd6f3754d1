// What a training step sees, as a pure function of (seed, epoch, position in the epoch): the
// data order, crops, timesteps and noise each come from their own Philox stream, so no draw
// depends on the backend, on evaluation, or on the order the others were drawn in.
import { Rng, type RngState } from '../tensor/rng.js';
import { cropRgb8, degrade, toSignedChw, type ImageSet } from './data.js';

/** Model initialisation; evaluation noise. Epoch streams start at EPOCH_BASE. */
export const STREAM_INIT = 0;
export const STREAM_EVAL = 1;
const EPOCH_BASE = 2 ** 20;
const Kind = { Shuffle: 0, Crop: 1, Timestep: 2, Noise: 3 } as const;

function epochStream(epoch: number, kind: number): number {
  return EPOCH_BASE + epoch * 4 + kind;
}

/** The generators of one epoch; their counters are the RNG part of a step-boundary state. */
export interface EpochRngs {
  crop: Rng;
  timestep: Rng;
  noise: Rng;
}
export interface EpochRngStates {
  crop: RngState;
  timestep: RngState;
  noise: RngState;
}

export function epochRngs(seed: number, epoch: number): EpochRngs {
  return {
    crop: new Rng(seed, epochStream(epoch, Kind.Crop)),
    timestep: new Rng(seed, epochStream(epoch, Kind.Timestep)),
    noise: new Rng(seed, epochStream(epoch, Kind.Noise)),
  };
}

export function rngStates(r: EpochRngs): EpochRngStates {
  return { crop: r.crop.state(), timestep: r.timestep.state(), noise: r.noise.state() };
}

/** Restores saved generators after checking they belong to this seed and epoch. */
export function rngsFromStates(s: EpochRngStates, seed: number, epoch: number): EpochRngs {
  const fresh = epochRngs(seed, epoch);
  for (const k of ['crop', 'timestep', 'noise'] as const) {
    const st = s?.[k];
    if (!st || st.seed !== seed || st.stream !== fresh[k].stream) throw new Error(`RNG state '${k}' does not belong to seed ${seed}, epoch ${epoch}`);
  }
  return { crop: Rng.fromState(s.crop), timestep: Rng.fromState(s.timestep), noise: Rng.fromState(s.noise) };
}

/** Image indices in the order of epoch `epoch`: seeded Fisher-Yates. */
export function epochOrder(seed: number, epoch: number, n: number): number[] {
  return new Rng(seed, epochStream(epoch, Kind.Shuffle)).shuffle(Array.from({ length: n }, (_, i) => i));
}

export function stepsPerEpoch(n: number, batch: number): number {
  return Math.ceil(n / batch);
}

/** One batch: CHW float32 in [-1, 1], [B, 3, crop, crop] each. */
export interface Batch {
  size: number;
  crop: number;
  x0: Float32Array;
  y0: Float32Array;
  noise: Float32Array;
  /** Timesteps 1..T, one per item. */
  t: number[];
  /** Image names, in batch order. */
  names: string[];
}

/** Batch `index` of the epoch (the last may be smaller: no image is dropped), advancing `rngs`. */
export async function drawBatch(set: ImageSet, order: readonly number[], index: number, batch: number, T: number, rngs: EpochRngs): Promise<Batch> {
  const items = order.slice(index * batch, (index + 1) * batch);
  const B = items.length;
  const c = set.crop;
  const per = 3 * c * c;
  const x0 = new Float32Array(B * per);
  const y0 = new Float32Array(B * per);
  const t: number[] = [];
  for (let b = 0; b < B; b++) {
    const im = set.images[items[b]];
    const top = rngs.crop.uniformInt(im.height - c + 1);
    const left = rngs.crop.uniformInt(im.width - c + 1);
    const hr = cropRgb8(await set.pixels(items[b]), im.width, top, left, c);
    toSignedChw(hr, c, x0, b * per);
    toSignedChw(degrade(hr, c), c, y0, b * per);
    t.push(1 + rngs.timestep.uniformInt(T));
  }
  const noise = rngs.noise.fillNormal(new Float32Array(B * per));
  return { size: B, crop: c, x0, y0, noise, t, names: items.map((i) => set.images[i].name) };
}
