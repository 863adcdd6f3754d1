// Node and Deno pieces (node:os, node:worker_threads), loaded lazily (dynamic import) so the
// core imports cleanly in browsers.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { WorkerHandle } from './threads.js';

export function nodeCores(): number {
  return availableParallelism();
}

export function spawnNodeWorker(source: string, init: unknown): Promise<WorkerHandle> {
  const w = new Worker(source, { eval: true });
  return new Promise((resolve, reject) => {
    w.once('error', reject);
    w.once('message', () => {
      // Idle workers sleep in Atomics.wait and must not keep the process alive. Unref only once
      // started: before, the pending start is what keeps the caller's await alive (Deno exits
      // with the promise unsettled otherwise).
      w.unref();
      resolve({ terminate: () => void w.terminate() });
    });
    w.postMessage(init);
  });
}
