// Runs a kernel's chunks on the calling thread and on worker threads sharing the memory.
//
// A job is (kernel, chunk count, parameter record). The caller publishes it in the control
// block, bumps the generation and wakes the workers; everyone claims chunks from one atomic
// counter; the caller then waits until every active worker has acknowledged, so no worker is
// still inside a job when the next one is written. Chunks are fixed by the kernel and shapes,
// and each writes its own outputs, so which thread ran which chunk never shows in the result.

import { C_ACK, C_ACTIVE, C_ERROR, C_EXIT, C_FN, C_GEN, C_NEXT, C_PARAMS, C_SCRATCH, C_STRIDE, C_TOTAL, CLOSED, CTL_OFFSET, CTL_SLOTS } from './control.js';
import type { WasmMemory, WasmModule } from './wasm-api.js';
import { WORKER_SOURCE } from './worker-source.js';
// node:worker_threads in Node and Deno, Web Workers elsewhere: picked by package.json "imports"
// conditions, so no bundler meets a Node built-in on the browser path.
import { hostCoreCount, spawnWorker } from '#wasm-workers';

export type ChunkFn = (chunk: number, scratch: number, params: number) => void;

export interface WorkerHandle {
  terminate(): void;
}

interface WorkerInit {
  module: WasmModule;
  memory: WasmMemory;
  names: string[];
  tid: number;
}

/** Logical cores, or 1 where the host does not say. */
export async function hostCores(): Promise<number> {
  return hostCoreCount();
}

async function spawn(init: WorkerInit): Promise<WorkerHandle> {
  return spawnWorker(WORKER_SOURCE, init);
}

/** Atomics.wait is forbidden on a browser's main thread; there the caller spins instead. */
function canBlock(ctl: Int32Array): boolean {
  try {
    Atomics.wait(ctl, C_EXIT, 1, 0);
    return true;
  } catch {
    return false;
  }
}

export class ThreadPool {
  private readonly workers: WorkerHandle[] = [];
  private active = 0;
  private readonly ctl: Int32Array;
  private readonly blocking: boolean;
  private scratchBase = 0;
  private scratchStride = 0;
  /** Jobs handed to workers so far (tests check that the parallel path really ran). */
  parallelJobs = 0;

  constructor(
    private readonly module: WasmModule,
    private readonly memory: WasmMemory,
    private readonly names: string[],
    readonly shared: boolean,
  ) {
    this.ctl = new Int32Array(memory.buffer, CTL_OFFSET, CTL_SLOTS);
    this.blocking = shared && canBlock(this.ctl);
  }

  /** Total threads taking part in a job, the caller included. */
  get threads(): number {
    return this.active + 1;
  }

  /** Starts workers as needed; lowering the count leaves the extra ones asleep. */
  async setThreads(n: number): Promise<void> {
    const want = this.shared ? Math.max(0, Math.floor(n) - 1) : 0;
    while (this.workers.length < want) {
      const tid = this.workers.length + 1;
      this.workers.push(await spawn({ module: this.module, memory: this.memory, names: this.names, tid }));
    }
    this.active = want;
  }

  setScratch(base: number, stride: number): void {
    this.scratchBase = base;
    this.scratchStride = stride;
  }

  /** Runs chunks [0, total) of fn; `parallel` false keeps small jobs off the workers. */
  run(fnIndex: number, fn: ChunkFn, total: number, params: number, parallel: boolean): void {
    if (this.active === 0 || !parallel || total < 2) {
      for (let c = 0; c < total; c++) fn(c, this.scratchBase, params);
      return;
    }
    const ctl = this.ctl;
    this.parallelJobs++;
    ctl[C_FN] = fnIndex;
    ctl[C_TOTAL] = total;
    ctl[C_PARAMS] = params;
    ctl[C_SCRATCH] = this.scratchBase;
    ctl[C_STRIDE] = this.scratchStride;
    Atomics.store(ctl, C_ACTIVE, this.active);
    Atomics.store(ctl, C_ERROR, 0);
    Atomics.store(ctl, C_ACK, 0);
    Atomics.store(ctl, C_NEXT, 0);
    Atomics.add(ctl, C_GEN, 1);
    Atomics.notify(ctl, C_GEN);
    let failure: unknown = null;
    try {
      for (;;) {
        const c = Atomics.add(ctl, C_NEXT, 1);
        if (c >= total) break;
        fn(c, this.scratchBase, params);
      }
    } catch (e) {
      failure = e;
      Atomics.store(ctl, C_NEXT, CLOSED);
    }
    for (let spin = 0; spin < 20000 && Atomics.load(ctl, C_ACK) < this.active; spin++);
    for (let acks = Atomics.load(ctl, C_ACK); acks < this.active; acks = Atomics.load(ctl, C_ACK)) {
      if (this.blocking) Atomics.wait(ctl, C_ACK, acks, 100);
    }
    if (failure) throw failure;
    if (Atomics.load(ctl, C_ERROR)) throw new Error('wasm backend: a kernel failed in a worker thread');
  }

  dispose(): void {
    Atomics.store(this.ctl, C_EXIT, 1);
    Atomics.add(this.ctl, C_GEN, 1);
    Atomics.notify(this.ctl, C_GEN);
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
    this.active = 0;
  }
}
