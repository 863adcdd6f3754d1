// The upscale worker: a module Web Worker that holds a LocalModel and runs the jobs a page's
// Model sends it (see worker-client.ts), so the page's main thread stays free. Its wasm backend
// starts its own worker threads from here where the page is cross-origin isolated.
import { LocalModel } from './local.js';
import { transferables, type FromWorker, type ToWorker } from './protocol.js';

interface WorkerScope {
  onmessage: ((e: { data: ToWorker }) => void) | null;
  postMessage(message: FromWorker, transfer?: ArrayBuffer[]): void;
}

const scope = globalThis as unknown as WorkerScope;
const cores = () => (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency || 1;
let model: LocalModel | null = null;

async function handle(m: ToWorker): Promise<void> {
  if (m.type === 'load') {
    model = LocalModel.fromBytes(m.bytes, m.name);
    scope.postMessage({ type: 'loaded', info: model.info });
    return;
  }
  if (!model) throw new Error('upscale worker: no model loaded');
  const id = m.id;
  // by default the wasm backend leaves one core to the page's own thread, which keeps it responsive
  const threads = m.where.threads ?? Math.max(1, cores() - 1);
  const hooks = { ...m.where, threads, onProgress: (done: number, total: number) => scope.postMessage({ type: 'progress', id, done, total }) };
  const value =
    m.type === 'upscale'
      ? await model.upscale(m.image, m.sampling, hooks)
      : m.type === 'upscalePng'
        ? await model.upscalePng(m.bytes, m.sampling, hooks)
        : await model.evaluate(m.images, m.settings, { ...hooks, onImage: (metrics, index, count) => scope.postMessage({ type: 'image', id, metrics, index, count }) });
  scope.postMessage({ type: 'result', id, value }, transferables(value));
}

scope.onmessage = (e) => {
  const m = e.data;
  handle(m).catch((err: unknown) => {
    const error = err instanceof Error ? err : new Error(String(err));
    scope.postMessage({ type: 'error', id: m.type === 'load' ? undefined : m.id, message: error.message, name: error.name });
  });
};
