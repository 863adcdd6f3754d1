// Models and the calls that use them. A Model runs its work through a Runner: a LocalModel on
// the calling thread, or a WorkerRunner that hands it to a Web Worker.
import { readPath, readUrl } from '#platform';
import { fromRgb8 } from '../image/quantize.js';
import type { RgbImage } from '../image/types.js';
import type { EvaluateResult, ImageMetrics } from '../resshift/evaluate.js';
import { BUNDLED_MODEL_URL } from './bundled.js';
import { LocalModel, type EvaluateHooks, type EvaluateSettings, type RunSettings } from './local.js';
import { checkThreads, resolveSampling, toRgb, type Sampling } from './options.js';
import type { LoadModelOptions, ModelInfo, ModelSource, Pixels, RgbPixels, RunOptions, SamplingOptions, UpscaleOptions, UpscalePngOptions } from './types.js';
import { onPageMainThread, WorkerRunner, WorkerStartError } from './worker-client.js';

interface Runner {
  upscale(image: RgbPixels, s: Sampling, o: RunSettings): Promise<RgbPixels>;
  upscalePng(bytes: Uint8Array, s: Sampling, o: RunSettings): Promise<{ png: Uint8Array; warnings: string[] }>;
  evaluate(images: { name: string; image: RgbImage }[], s: EvaluateSettings, o: EvaluateHooks): Promise<EvaluateResult>;
  dispose(): void;
}

/** One call at a time per model: calls made meanwhile wait their turn. */
class Queue {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => {});
    return result;
  }
}

const internals = new WeakMap<Model, { runner: Runner; queue: Queue }>();

/** A loaded model. Pass it to upscale, upscalePng, upscaleImageData, upscaleCanvas, evaluateModel. */
export class Model {
  /** @internal */
  constructor(
    /** Where the weights came from, the network's widths and the diffusion settings (T, kappa). */
    readonly info: ModelInfo,
    /** 'worker': the work runs in a Web Worker; 'thread': on the calling thread. */
    readonly runsIn: 'worker' | 'thread',
    runner: Runner,
  ) {
    internals.set(this, { runner, queue: new Queue() });
  }

  /** Frees the model's memory (and ends its worker). */
  dispose(): void {
    internals.get(this)?.runner.dispose();
    internals.delete(this);
  }
}

function use(fn: string, model: Model): { runner: Runner; queue: Queue } {
  const i = model instanceof Model ? internals.get(model) : undefined;
  if (!i) throw new Error(`${fn}: ${model instanceof Model ? 'the model was disposed' : 'the first argument must be a Model from loadModel()'}`);
  return i;
}

async function sourceBytes(source: ModelSource | undefined): Promise<{ bytes: Uint8Array; name: string }> {
  if (source === undefined) {
    try {
      return { bytes: await readUrl(BUNDLED_MODEL_URL, 'the bundled model'), name: BUNDLED_MODEL_URL.href };
    } catch (e) {
      throw new Error(
        `loadModel: ${(e as Error).message}; serve resshift-ts/models/resshift-default.safetensors at that URL (a bundler that does not copy files named by new URL(..., import.meta.url) leaves it behind) or pass loadModel({ url }) or ({ bytes })`,
      );
    }
  }
  if (typeof source !== 'object' || source === null) throw new Error('loadModel: the source must be { bytes }, { url } or { path } (or nothing, for the bundled model)');
  if ('bytes' in source) {
    const b = source.bytes;
    if (b instanceof Uint8Array) return { bytes: b, name: source.name ?? 'model bytes' };
    if (b instanceof ArrayBuffer) return { bytes: new Uint8Array(b), name: source.name ?? 'model bytes' };
    throw new Error('loadModel: bytes must be a Uint8Array or an ArrayBuffer');
  }
  if ('url' in source) {
    const base = (globalThis as { location?: { href?: string } }).location?.href;
    let url: URL;
    try {
      url = new URL(source.url, base);
    } catch {
      throw new Error(`loadModel: '${String(source.url)}' is not a URL${base ? '' : ' (give an absolute one, or { path } for a file)'}`);
    }
    return { bytes: await readUrl(url, 'loadModel'), name: url.href };
  }
  if ('path' in source && typeof source.path === 'string') return { bytes: await readPath(source.path, 'loadModel'), name: source.path };
  throw new Error('loadModel: the source must be { bytes }, { url } or { path } (or nothing, for the bundled model)');
}

let warnedFallback = false;

/**
 * Loads a model: the bundled one (no source), or a safetensors checkpoint (ours, or a PyTorch
 * state dict) given as { bytes }, { url } or, in Node and Deno, { path }. The checkpoint is
 * checked in full before the promise resolves; the network is built on the first call's backend.
 */
export async function loadModel(source?: ModelSource, options: LoadModelOptions = {}): Promise<Model> {
  const { bytes, name } = await sourceBytes(source);
  const mode = options.worker ?? 'auto';
  const url = typeof mode === 'string' && mode !== 'auto' ? mode : mode instanceof URL ? mode : undefined;
  if (mode === true || url !== undefined || (mode === 'auto' && onPageMainThread())) {
    try {
      const r = await WorkerRunner.start(bytes, name, url);
      return new Model(r.info, 'worker', r);
    } catch (e) {
      if (!(e instanceof WorkerStartError) || mode !== 'auto') throw e;
      if (!warnedFallback) console.warn(`resshift-ts: ${e.message}; upscaling runs on the page's main thread instead, which freezes it while it works (pass loadModel(source, { worker: URL }))`);
      warnedFallback = true;
    }
  }
  const local = LocalModel.fromBytes(bytes, name);
  return new Model(local.info, 'thread', local);
}

/**
 * x4 super-resolution of an 8-bit image (RGB, or RGBA with alpha ignored, e.g. an ImageData).
 * Returns the 8-bit RGB result, the same bytes `resshift-ts upscale` writes for the same seed,
 * steps, tile and backend.
 */
export async function upscale(model: Model, image: Pixels, options: UpscaleOptions = {}): Promise<RgbPixels> {
  const { runner, queue } = use('upscale', model);
  const rgb = toRgb('upscale', image);
  const s = resolveSampling('upscale', model.info, options);
  checkThreads('upscale', options.threads);
  options.signal?.throwIfAborted();
  return queue.run(() => runner.upscale(rgb, s, options));
}

/** x4 super-resolution of a PNG or JPEG file's bytes; returns the PNG bytes of the result. */
export async function upscalePng(model: Model, bytes: Uint8Array | ArrayBuffer, options: UpscalePngOptions = {}): Promise<Uint8Array> {
  const { runner, queue } = use('upscalePng', model);
  if (!(bytes instanceof Uint8Array) && !(bytes instanceof ArrayBuffer)) throw new Error('upscalePng: bytes must be a Uint8Array or an ArrayBuffer (PNG or JPEG data)');
  const s = resolveSampling('upscalePng', model.info, options);
  checkThreads('upscalePng', options.threads);
  options.signal?.throwIfAborted();
  // a copy (of any view, a Node Buffer too): the caller's buffer is never handed over or changed
  const copy = bytes instanceof ArrayBuffer ? new Uint8Array(bytes.slice(0)) : new Uint8Array(bytes);
  const { png, warnings } = await queue.run(() => runner.upscalePng(copy, s, options));
  for (const w of warnings) options.onWarning?.(w);
  return png;
}

export interface EvaluateModelOptions extends RunOptions, SamplingOptions {
  /** Side of a centred square crop of each HR image; the whole image (trimmed to a multiple of 4) when absent. */
  crop?: number;
  /** Also return bicubic | SR | HR panels labelled with their scores. */
  comparisons?: boolean;
  /** After each image, with its scores. */
  onImage?: (metrics: ImageMetrics, index: number, count: number) => void;
}

const isFloatImage = (image: Pixels | RgbImage): image is RgbImage => image?.data instanceof Float32Array;

/**
 * Scores the model as `resshift-ts eval` does: each HR image is cut to LR by bicubic x1/4, then
 * SR and bicubic x4 are compared with it (PSNR, SSIM, PSNR-Y). Images are 8-bit pixels or
 * float RgbImages in [0, 1].
 */
export async function evaluateModel(model: Model, images: { name: string; image: Pixels | RgbImage }[], options: EvaluateModelOptions = {}): Promise<EvaluateResult> {
  const { runner, queue } = use('evaluateModel', model);
  if (!Array.isArray(images) || images.length === 0) throw new Error('evaluateModel: give at least one { name, image }');
  const hr = images.map(({ name, image }) => {
    if (isFloatImage(image)) return { name, image };
    const rgb = toRgb(`evaluateModel: ${name}`, image);
    return { name, image: fromRgb8(rgb.data, rgb.width, rgb.height) };
  });
  const s = resolveSampling('evaluateModel', model.info, options);
  checkThreads('evaluateModel', options.threads);
  options.signal?.throwIfAborted();
  const settings: EvaluateSettings = { ...s, ...(options.crop !== undefined ? { crop: options.crop } : {}), ...(options.comparisons ? { comparisons: true } : {}) };
  return queue.run(() => runner.evaluate(hr, settings, options));
}
