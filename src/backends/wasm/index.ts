// Entry point of the WASM-SIMD backend. Instantiation is asynchronous; once initWasmBackend
// resolves, every kernel is synchronous. setBackend('wasm') then makes it the default.

import type { WasmBackend } from './backend.js';
import { registerWasm } from './register.js';
import { type RuntimeOptions, WasmRuntime } from './runtime.js';

export type { WasmBuffer, WasmTensor } from './backend.js';
export type { RuntimeOptions as WasmOptions } from './runtime.js';

let current: { rt: WasmRuntime; backend: WasmBackend } | null = null;

/**
 * Instantiates the kernels (once) and registers backend 'wasm'. Calling it again only changes
 * the thread count: tensors already in linear memory stay valid.
 */
export async function initWasmBackend(opts: RuntimeOptions = {}): Promise<WasmBackend> {
  if (current) {
    // the module is chosen once: switching builds would orphan every tensor in its memory
    if (opts.fma !== undefined && opts.fma !== current.rt.fma) {
      throw new Error(`wasm backend: already started ${current.rt.fma ? 'with' : 'without'} fused multiply-add; choose fma in the first initWasmBackend call`);
    }
    if (opts.threads !== undefined) await current.rt.setThreads(opts.threads);
    return current.backend;
  }
  const rt = await WasmRuntime.create(opts);
  current = { rt, backend: registerWasm(rt) };
  return current.backend;
}

/** Whether the running module is the fused multiply-add build (false before initialisation). */
export function wasmFma(): boolean {
  return current?.rt.fma ?? false;
}

/** Threads the backend uses (1 before initialisation). */
export function wasmThreads(): number {
  return current?.rt.threads ?? 1;
}

/** Jobs that ran on worker threads so far. */
export function wasmParallelJobs(): number {
  return current?.rt.pool.parallelJobs ?? 0;
}

/** Linear memory in use: the heap's size, its top, and bytes parked in free lists. */
export function wasmMemoryStats(): { heapBytes: number; topBytes: number; freeListBytes: number } | null {
  return current?.rt.heap.stats() ?? null;
}

/**
 * Ends the worker threads: Deno and web pages stay alive while workers run. Kernels keep
 * working on the calling thread, with the same results (chunking does not depend on threads).
 */
export function stopWasmWorkers(): void {
  current?.rt.pool.dispose();
}
