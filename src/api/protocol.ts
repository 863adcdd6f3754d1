// Messages between the page and its upscale worker (resshift-worker.ts). One job runs at a time.
import type { RgbImage } from '../image/types.js';
import type { EvaluateResult, ImageMetrics } from '../resshift/evaluate.js';
import type { EvaluateSettings } from './local.js';
import type { Sampling } from './options.js';
import type { BackendChoice, ModelInfo, RgbPixels } from './types.js';

export interface Where {
  backend?: BackendChoice;
  threads?: number;
  fma?: boolean;
}

export type Job =
  | { type: 'upscale'; image: RgbPixels; sampling: Sampling; where: Where }
  | { type: 'upscalePng'; bytes: Uint8Array; sampling: Sampling; where: Where }
  | { type: 'evaluate'; images: { name: string; image: RgbImage }[]; settings: EvaluateSettings; where: Where };

export type JobResult = RgbPixels | { png: Uint8Array; warnings: string[] } | EvaluateResult;

export type ToWorker = { type: 'load'; bytes: Uint8Array; name: string } | ({ id: number } & Job);

export type FromWorker =
  | { type: 'loaded'; info: ModelInfo }
  | { type: 'progress'; id: number; done: number; total: number }
  | { type: 'image'; id: number; metrics: ImageMetrics; index: number; count: number }
  | { type: 'result'; id: number; value: JobResult }
  | { type: 'error'; id?: number; message: string; name: string };

/** Buffers a result can hand over instead of copying. */
export function transferables(value: JobResult): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  const add = (v: { buffer: ArrayBufferLike }) => {
    if (v.buffer instanceof ArrayBuffer && !out.includes(v.buffer)) out.push(v.buffer);
  };
  if ('png' in value) add(value.png);
  else if ('images' in value) for (const c of value.comparisons ?? []) add(c.image.data);
  else add(value.data);
  return out;
}
