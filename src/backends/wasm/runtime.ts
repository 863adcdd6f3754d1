// One instantiated kernel module: its memory, allocator, thread pool, parameter record and
// per-thread scratch. Kernel wrappers talk to the module only through this.

import { HEAP_BASE, PARAMS_BYTES, PARAMS_OFFSET } from './control.js';
import { Heap, PAGE, WASM32_MAX_PAGES } from './heap.js';
import { compileKernels, sharedMemoryAvailable } from './module.js';
import { type ChunkFn, hostCores, ThreadPool } from './threads.js';
import { wasmApi, type WasmMemory } from './wasm-api.js';

const F64_BASE = 512; // matches assembly/params.ts
const INITIAL_PAGES = 17; // matches asconfig.json's initialMemory

export interface RuntimeOptions {
  /** Threads including the caller; default: all cores where SharedArrayBuffer exists, else 1. */
  threads?: number;
  /** Upper bound of linear memory in bytes (default and maximum 4 GiB). */
  maxMemoryBytes?: number;
  /**
   * Fused multiply-add in the GEMM (relaxed SIMD): about 1.2x faster matrix products and
   * convolutions. Results stay bit-identical across thread counts but differ from the default
   * build's in the last bits, and may differ between CPUs (V8 fuses where the CPU has FMA).
   * Needs a runtime with relaxed SIMD; default false.
   */
  fma?: boolean;
}

export class WasmRuntime {
  readonly heap: Heap;
  private readonly fns = new Map<string, { index: number; fn: ChunkFn }>();
  private scratchPtr = 0;
  private scratchStride = 0;
  private scratchThreads = 0;
  readonly gemmScratch: number;

  private constructor(
    readonly memory: WasmMemory,
    private readonly exports: Record<string, unknown>,
    readonly pool: ThreadPool,
    names: string[],
    maxPages: number,
    /** The module is the fused multiply-add build. */
    readonly fma: boolean,
  ) {
    names.forEach((name, index) => this.fns.set(name, { index, fn: exports[name] as ChunkFn }));
    this.gemmScratch = this.constant('GEMM_SCRATCH');
    const dataEnd = (exports.dataEnd as () => number)();
    if (dataEnd > HEAP_BASE) throw new Error(`wasm backend: static data ends at ${dataEnd}, above the heap base ${HEAP_BASE}`);
    this.heap = new Heap(memory, HEAP_BASE, maxPages);
  }

  static async create(opts: RuntimeOptions = {}): Promise<WasmRuntime> {
    const fma = opts.fma ?? false;
    const { module, shared } = await compileKernels(sharedMemoryAvailable(), fma);
    const maxPages = Math.min(WASM32_MAX_PAGES, Math.floor((opts.maxMemoryBytes ?? 2 ** 32) / PAGE));
    const memory = new wasmApi.Memory({ initial: INITIAL_PAGES, maximum: maxPages, shared });
    const instance = await wasmApi.instantiate(module, { env: { memory } });
    // kernels: every exported function but the static-data end and the scratch-size queries
    const isKernel = (name: string) => name !== 'dataEnd' && !name.endsWith('Scratch');
    const names = wasmApi.Module.exports(module).filter((e) => e.kind === 'function' && isKernel(e.name)).map((e) => e.name).sort();
    const rt = new WasmRuntime(memory, instance.exports, new ThreadPool(module, memory, names, shared), names, maxPages, fma);
    await rt.setThreads(opts.threads ?? (await hostCores()));
    return rt;
  }

  get threads(): number {
    return this.pool.threads;
  }

  async setThreads(n: number): Promise<void> {
    await this.pool.setThreads(n);
    this.ensureScratch(this.scratchStride);
  }

  /**
   * A number the module exports as a global: constants the kernels and the host share are
   * defined once, in assembly/, and read from here.
   */
  constant(name: string): number {
    const g = this.exports[name] as { value?: unknown } | undefined;
    if (typeof g?.value !== 'number') throw new Error(`wasm backend: the module exports no constant '${name}'`);
    return g.value;
  }

  /** Per-thread scratch bytes a kernel needs for these sizes, from the module's `<kernel>Scratch` export. */
  scratchFor(kernel: string, ...sizes: number[]): number {
    const f = this.exports[`${kernel}Scratch`];
    if (typeof f !== 'function') throw new Error(`wasm backend: the module exports no ${kernel}Scratch`);
    return (f as (...a: number[]) => number)(...sizes);
  }

  /** Writes a parameter record (int32 slots, then float64 slots) and returns its address. */
  params(ints: ArrayLike<number>, floats: ArrayLike<number> = []): number {
    const buf = this.memory.buffer;
    new Int32Array(buf, PARAMS_OFFSET, F64_BASE / 4).set(ints);
    if (floats.length) new Float64Array(buf, PARAMS_OFFSET + F64_BASE, (PARAMS_BYTES - F64_BASE) / 8).set(floats);
    return PARAMS_OFFSET;
  }

  /** Makes sure every thread has `bytes` of scratch; grows rarely (by doubling). */
  ensureScratch(bytes: number): void {
    const threads = this.pool.threads;
    if (bytes <= this.scratchStride && threads <= this.scratchThreads) return;
    const stride = Math.max(bytes, this.scratchStride * 2, this.gemmScratch, 65536);
    const rounded = Math.ceil(stride / 64) * 64;
    if (this.scratchPtr) this.heap.release(this.scratchPtr, this.scratchStride * this.scratchThreads);
    this.scratchPtr = this.heap.alloc(rounded * threads);
    this.scratchStride = rounded;
    this.scratchThreads = threads;
    this.pool.setScratch(this.scratchPtr, rounded);
  }

  /** Runs chunks [0, total) of an exported kernel with the current parameter record. */
  run(name: string, total: number, params: number, parallel: boolean, scratchBytes = 0): void {
    const entry = this.fns.get(name);
    if (!entry) throw new Error(`wasm backend: no kernel export '${name}'`);
    this.ensureScratch(scratchBytes);
    this.pool.run(entry.index, entry.fn, total, params, parallel);
  }

  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length);
  }

  dispose(): void {
    this.pool.dispose();
  }
}
