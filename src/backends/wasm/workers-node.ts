// Node and Deno worker pieces (node:os, node:worker_threads). Chosen over workers-web.ts by
// package.json "imports" conditions (#wasm-workers: "node" and "deno"), so browser bundles never
// reach them. Deno takes this path too: its Web Workers cannot be unref'd, so a Deno script that
// had started them never exited; node:worker_threads workers can.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { WorkerHandle } from './threads.js';

/** Logical cores. */
export function hostCoreCount(): number {
  return availableParallelism();
}

export function spawnWorker(source: string, init: unknown): Promise<WorkerHandle> {
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
