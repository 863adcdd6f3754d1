// Node-only pieces, loaded lazily (dynamic import) so the core imports cleanly in browsers.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { WorkerHandle } from './threads.js';

export function nodeCores(): number {
  return availableParallelism();
}

export function spawnNodeWorker(source: string, init: unknown): Promise<WorkerHandle> {
  const w = new Worker(source, { eval: true });
  // Idle workers sleep in Atomics.wait and must not keep the process alive.
  w.unref();
  return new Promise((resolve, reject) => {
    w.once('error', reject);
    w.once('message', () => resolve({ terminate: () => void w.terminate() }));
    w.postMessage(init);
  });
}
