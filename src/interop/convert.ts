/**
 * A PyTorch state dict (already read into float32 arrays) to our model file: the widths are
 * inferred from the shapes, the tensors are loaded strictly into a DualDomainUNet (so a state
 * dict of another model fails here, naming the missing, unexpected or misshapen entries), and
 * the file is written from that model with the default diffusion settings in its metadata.
 */
import type { NamedArray } from '../nn/module.js';
import { serializeSafetensors } from '../nn/safetensors.js';
import { checkpointFromBytes, modelFromCheckpoint, stateToBytes } from '../resshift/checkpoint.js';
import type { UNetConfig } from '../resshift/model.js';
import { DEFAULT_RESSHIFT_CONFIG } from '../resshift/schedule.js';

/** The tensors of a state dict as read from a file, with the element type each was stored in. */
export type SourceTensors = ReadonlyMap<string, NamedArray & { data: Float32Array; storageKind?: string }>;

export interface ConvertedModel {
  bytes: Uint8Array;
  config: UNetConfig;
  parameters: number;
  tensors: number;
  /** The prefix removed from every key ('module.' from DataParallel / DistributedDataParallel), if any. */
  strippedPrefix: string | null;
  /** Haar filter buffers stored in float16 / bfloat16 that were set back to their float32 values. */
  restoredHaar: number;
}

// nn.DataParallel and DistributedDataParallel wrap the model as `.module`, so a state dict saved
// from the wrapper has every key prefixed; torch.compile's wrapper does the same with `_orig_mod.`.
const WRAPPER_PREFIXES = ['module.', '_orig_mod.'];

const HAAR_BUFFER = /\.dwt_branch\.(dwt|idwt)\.([hg])([01])_(col|row)$/;
const R = Math.fround(Math.SQRT1_2);
// half the spacing of the format's values near 1/sqrt 2: the largest rounding error of a store
const HALF_ULP: Record<string, number> = { HalfStorage: 2 ** -12, BFloat16Storage: 2 ** -9 };

/**
 * The Haar filters are constants of pytorch_wavelets (buffers, not learned), so a state dict
 * saved in half precision holds them rounded: 0.70703125 instead of 0.70710677. Where a buffer
 * equals the Haar value to within its format's rounding, it gets the exact float32 value back
 * (the model's loader accepts only the Haar wavelet); anything else is left for the loader to
 * refuse.
 */
function restoreHaar(name: string, t: NamedArray & { data: Float32Array; storageKind?: string }): Float32Array | null {
  const m = HAAR_BUFFER.exec(name);
  const tol = t.storageKind ? HALF_ULP[t.storageKind] : undefined;
  if (!m || tol === undefined || t.data.length !== 2) return null;
  const want = m[3] === '1' ? [R, -R] : [R, R];
  return want.every((w, i) => Math.abs(t.data[i] - w) <= tol) ? Float32Array.from(want) : null;
}

export function stateDictToModelFile(tensors: SourceTensors): ConvertedModel {
  let restoredHaar = 0;
  let entries = [...tensors].map(([k, v]): [string, NamedArray & { data: Float32Array }] => {
    const exact = restoreHaar(k, v);
    if (exact) restoredHaar++;
    return [k, { shape: v.shape, data: exact ?? v.data }];
  });
  let strippedPrefix: string | null = null;
  for (const p of WRAPPER_PREFIXES) {
    if (entries.length && entries.every(([k]) => k.startsWith(p))) {
      entries = entries.map(([k, v]) => [k.slice(p.length), v]);
      strippedPrefix = p;
      break;
    }
  }
  const ck = checkpointFromBytes(serializeSafetensors(entries.map(([k, v]) => [k, { shape: [...v.shape], data: v.data }])));
  // on ref: host memory, read synchronously
  const model = modelFromCheckpoint(ck, 'ref');
  try {
    const config = { ...model.config };
    const parameters = model.namedParameters().reduce((n, [, t]) => n + t.size, 0);
    const state = model.stateDict().map(([n, t]): [string, { shape: number[]; data: Float32Array }] => [n, { shape: [...t.shape], data: Float32Array.from(t.dataSync()) }]);
    const bytes = stateToBytes(state, { model: config, diffusion: { ...DEFAULT_RESSHIFT_CONFIG } });
    return { bytes, config, parameters, tensors: entries.length, strippedPrefix, restoredHaar };
  } finally {
    model.dispose();
  }
}
