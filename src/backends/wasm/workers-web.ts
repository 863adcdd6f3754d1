// Browser (and default) worker pieces: Web Workers started from a Blob URL of the worker source.
// Chosen over workers-node.ts by package.json "imports" conditions (#wasm-workers), so bundlers
// for the browser never see node:os or node:worker_threads.

import type { WorkerHandle } from './threads.js';

interface WebWorkerLike {
  onerror: ((e: { message: string }) => void) | null;
  onmessage: (() => void) | null;
  postMessage(data: unknown): void;
  terminate(): void;
}

/** Logical cores, or 1 where the host does not say. */
export function hostCoreCount(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return nav?.hardwareConcurrency || 1;
}

export function spawnWorker(source: string, init: unknown): Promise<WorkerHandle> {
  const WebWorker = (globalThis as unknown as { Worker?: new (url: string, opts: object) => WebWorkerLike }).Worker;
  if (!WebWorker) return Promise.reject(new Error('wasm backend: this host has no Worker, so it cannot run threads (use threads: 1)'));
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  const w = new WebWorker(url, { type: 'module' });
  return new Promise((resolve, reject) => {
    w.onerror = (e: { message: string }) => {
      URL.revokeObjectURL(url);
      reject(new Error(`wasm worker failed to start: ${e.message}`));
    };
    w.onmessage = () => {
      URL.revokeObjectURL(url);
      resolve({ terminate: () => w.terminate() });
    };
    w.postMessage(init);
  });
}
