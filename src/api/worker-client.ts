// The page's side of the upscale worker. The worker is a module Web Worker made from
// resshift-worker.js beside this file, written as `new Worker(new URL(...), { type: 'module' })`
// so that bundlers which follow that form (Vite, webpack, Parcel) emit the worker with the
// page; other bundles pass the worker's URL (LoadModelOptions.worker). The model's bytes stay
// here, so a worker stopped by an abort is replaced, and the model reloaded, on the next call.
import type { RgbImage } from '../image/types.js';
import type { EvaluateResult } from '../resshift/evaluate.js';
import type { EvaluateHooks, EvaluateSettings, RunSettings } from './local.js';
import type { Sampling } from './options.js';
import type { FromWorker, Job, JobResult, ToWorker, Where } from './protocol.js';
import type { ModelInfo, RgbPixels } from './types.js';

interface WorkerLike {
  onmessage: ((e: { data: FromWorker }) => void) | null;
  onerror: ((e: { message?: string; preventDefault?: () => void }) => void) | null;
  onmessageerror: (() => void) | null;
  postMessage(message: ToWorker, transfer?: ArrayBuffer[]): void;
  terminate(): void;
}

// The host's Web Worker class (DOM types are not part of this build's lib).
declare const Worker: new (url: string | URL, options?: { type?: 'module' | 'classic'; name?: string }) => WorkerLike;

/** The worker could not be started (its script did not load or failed to run): nothing about the model. */
export class WorkerStartError extends Error {}

/** A browser page's main thread: the one place where work would freeze the page. */
export function onPageMainThread(): boolean {
  const g = globalThis as { document?: unknown; Worker?: unknown };
  return g.document !== undefined && typeof g.Worker === 'function';
}

function remoteError(m: { message: string; name: string }): Error {
  if (m.name === 'AbortError' && typeof DOMException === 'function') return new DOMException(m.message, 'AbortError');
  const e = new Error(m.message);
  if (m.name !== 'Error') e.name = m.name;
  return e;
}

const whereOf = (o: RunSettings): Where => ({
  ...(o.backend !== undefined ? { backend: o.backend } : {}),
  ...(o.threads !== undefined ? { threads: o.threads } : {}),
  ...(o.fma !== undefined ? { fma: o.fma } : {}),
});

interface Pending {
  id: number;
  resolve: (v: JobResult) => void;
  reject: (e: unknown) => void;
  hooks: EvaluateHooks;
}

export class WorkerRunner {
  private worker: WorkerLike | null = null;
  private pending: Pending | null = null;
  private nextId = 1;
  private disposed = false;

  private constructor(
    private readonly bytes: Uint8Array,
    private readonly name: string,
    private readonly url: string | URL | undefined,
    readonly info: ModelInfo,
  ) {}

  /** Starts a worker and loads the model in it; rejects with WorkerStartError if the worker cannot run. */
  static async start(bytes: Uint8Array, name: string, url?: string | URL): Promise<WorkerRunner> {
    const { worker, info } = await WorkerRunner.spawn(bytes, name, url);
    const r = new WorkerRunner(bytes, name, url, info);
    r.attach(worker);
    return r;
  }

  private static create(url: string | URL | undefined): WorkerLike {
    if (url !== undefined) return new Worker(url, { type: 'module', name: 'resshift' });
    return new Worker(new URL('./resshift-worker.js', import.meta.url), { type: 'module', name: 'resshift' });
  }

  private static spawn(bytes: Uint8Array, name: string, url: string | URL | undefined): Promise<{ worker: WorkerLike; info: ModelInfo }> {
    const where = url === undefined ? 'resshift-worker.js' : String(url);
    let worker: WorkerLike;
    try {
      worker = WorkerRunner.create(url);
    } catch (e) {
      return Promise.reject(new WorkerStartError(`the upscale worker (${where}) could not be created: ${(e as Error).message}`));
    }
    return new Promise((resolve, reject) => {
      worker.onerror = (e) => {
        e.preventDefault?.();
        worker.terminate();
        reject(new WorkerStartError(`the upscale worker (${where}) did not start${e.message ? `: ${e.message}` : ' (its script could not be loaded)'}`));
      };
      worker.onmessage = (e) => {
        const m = e.data;
        if (m.type === 'loaded') resolve({ worker, info: m.info });
        else if (m.type === 'error') {
          worker.terminate();
          reject(remoteError(m));
        }
      };
      // a copy (new Uint8Array copies any view, a Node Buffer too), handed over: the bytes stay here for a restart
      const copy = new Uint8Array(bytes);
      worker.postMessage({ type: 'load', bytes: copy, name }, [copy.buffer]);
    });
  }

  private attach(worker: WorkerLike): void {
    this.worker = worker;
    worker.onmessage = (e) => this.receive(e.data);
    worker.onerror = (e) => {
      e.preventDefault?.();
      this.fail(new Error(`the upscale worker failed${e.message ? `: ${e.message}` : ''}`));
    };
    worker.onmessageerror = () => this.fail(new Error('the upscale worker sent a message that could not be read'));
  }

  private receive(m: FromWorker): void {
    const p = this.pending;
    if (!p || !('id' in m) || m.id !== p.id) return;
    if (m.type === 'progress') p.hooks.onProgress?.(m.done, m.total);
    else if (m.type === 'image') p.hooks.onImage?.(m.metrics, m.index, m.count);
    else if (m.type === 'result') {
      this.pending = null;
      p.resolve(m.value);
    } else if (m.type === 'error') {
      this.pending = null;
      p.reject(remoteError(m));
    }
  }

  /** Ends the worker and rejects the job in flight. */
  private fail(error: unknown): void {
    this.worker?.terminate();
    this.worker = null;
    const p = this.pending;
    this.pending = null;
    p?.reject(error);
  }

  private async run(job: Job, hooks: EvaluateHooks, transfer: ArrayBuffer[] = []): Promise<JobResult> {
    if (this.disposed) throw new Error(`${this.name}: the model was disposed`);
    const signal = hooks.signal;
    signal?.throwIfAborted();
    if (!this.worker) this.attach((await WorkerRunner.spawn(this.bytes, this.name, this.url)).worker);
    signal?.throwIfAborted();
    const id = this.nextId++;
    const onAbort = () => this.fail(signal!.reason);
    return new Promise<JobResult>((resolve, reject) => {
      this.pending = { id, resolve, reject, hooks };
      // an abort ends the worker at once, mid-step; the next call starts a new one
      signal?.addEventListener('abort', onAbort, { once: true });
      this.worker!.postMessage({ id, ...job }, transfer);
    }).finally(() => signal?.removeEventListener('abort', onAbort));
  }

  async upscale(image: RgbPixels, sampling: Sampling, o: RunSettings = {}): Promise<RgbPixels> {
    // `image` is the API's own copy, so its buffer can be handed over
    return (await this.run({ type: 'upscale', image, sampling, where: whereOf(o) }, o, [image.data.buffer as ArrayBuffer])) as RgbPixels;
  }

  async upscalePng(bytes: Uint8Array, sampling: Sampling, o: RunSettings = {}): Promise<{ png: Uint8Array; warnings: string[] }> {
    // `bytes` is the API's own copy too
    return (await this.run({ type: 'upscalePng', bytes, sampling, where: whereOf(o) }, o, [bytes.buffer as ArrayBuffer])) as { png: Uint8Array; warnings: string[] };
  }

  async evaluate(images: { name: string; image: RgbImage }[], settings: EvaluateSettings, o: EvaluateHooks = {}): Promise<EvaluateResult> {
    return (await this.run({ type: 'evaluate', images, settings, where: whereOf(o) }, o)) as EvaluateResult;
  }

  dispose(): void {
    this.disposed = true;
    this.fail(new Error(`${this.name}: the model was disposed`));
  }
}
