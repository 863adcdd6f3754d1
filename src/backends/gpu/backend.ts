// The gpu backend's buffers and its work queue.
//
// The engine calls kernels synchronously, but GPU work (WebGPU above all) completes
// asynchronously. So a kernel here only *enqueues* its work: every upload, kernel, free and
// readback becomes a step of one serial queue, run in the order the engine issued them. A step
// that runs a kernel finds its inputs' results already produced (their steps came first) and
// gives its outputs new GPU-resident results; `read` is a step too and resolves once the values
// are back. Results are immutable GPU buffers/textures, so overwriting a buffer (adamStep in
// place) swaps in the new result and releases the old one.
//
// A step that fails (a shader that does not compile, a lost device) marks its outputs with the
// error; steps that consume them fail the same way, and reading them rejects with it.

import { bytesPerElement, type Backend, type BackendBuffer, type DType, type KernelTensor } from '../types.js';
import type { GpuHandle, GpuRuntime, KernelSpec } from './runtime.js';

export interface GpuBuffer extends BackendBuffer {
  readonly dtype: 'float32';
  /** The current value on the GPU; null before the first step that writes it (or when size is 0). */
  handle: GpuHandle | null;
  /** Why the step that should have produced this value failed. */
  error: unknown;
}
export type GpuTensor = KernelTensor<GpuBuffer>;

/** What a step body gets: the inputs' current handles and the runtime to run kernels with. */
export type StepBody = (inputs: readonly GpuHandle[], rt: GpuRuntime) => Promise<(GpuHandle | null)[]>;

export class GpuBackend implements Backend<GpuBuffer> {
  readonly name = 'gpu';
  readonly dtypes: readonly DType[] = ['float32'];
  /** A kernel for every op (register.ts), so nothing silently falls back to ref (coverage.test.ts holds it to that). */
  readonly complete = true;
  /** Readbacks requested so far (each one a GPU-to-host copy the caller awaits). */
  reads = 0;
  private live = 0;
  private liveBytes = 0;
  private tail: Promise<unknown> = Promise.resolve();
  private firstError: unknown = null;

  constructor(readonly rt: GpuRuntime) {}

  /** The most elements one tensor may have here (the device's limit; see GpuRuntime.maxElements). */
  get maxElements(): number {
    return this.rt.maxElements;
  }

  /** GPU.js mode and kernel class actually running, e.g. "webgpu (WebGPUKernel)". */
  describe(): string {
    const adapter = this.rt.adapterDescription();
    return `${this.rt.mode} (GPU.js ${this.rt.kernelClass}${adapter ? `, ${adapter}` : ''})`;
  }

  alloc(size: number, dtype: DType): GpuBuffer {
    if (dtype !== 'float32') throw new Error(`gpu backend: holds float32 only, not ${dtype}`);
    if (size > this.rt.maxElements) throw new Error(`gpu backend: a tensor of ${size} elements exceeds ${this.rt.maxElements}, ${this.rt.limitReason}`);
    this.live++;
    this.liveBytes += size * bytesPerElement(dtype);
    return { size, dtype, handle: null, error: null };
  }

  free(buf: GpuBuffer): void {
    this.live--;
    this.liveBytes -= buf.size * bytesPerElement(buf.dtype);
    // after every step already queued that may still read it
    this.step(() => this.setHandle(buf, null));
  }

  write(buf: GpuBuffer, src: ArrayLike<number>): void {
    if (src.length !== buf.size) throw new Error(`gpu.write: ${src.length} values for a buffer of ${buf.size}`);
    if (buf.size === 0) return;
    const copy = Float32Array.from(src); // the caller may reuse src before the step runs
    this.enqueue([], [buf], async (_ins, rt) => [await rt.run(uploadSpec(copy.length), [copy as unknown as GpuHandle])]);
  }

  read(buf: GpuBuffer): Promise<Float32Array> {
    if (buf.size === 0) return Promise.resolve(new Float32Array(0));
    this.reads++;
    // The step only starts the readback (returned wrapped, so the queue does not wait on it).
    return this.step(() => ({ values: this.rt.readback(this.current(buf), buf.size) })).then((r) => r.values);
  }

  stats() {
    return { liveBuffers: this.live, liveBytes: this.liveBytes };
  }

  /**
   * Resolves when every step queued so far has run (its GPU work submitted), rejecting with
   * the first step failure since the last flush: for timing, and so errors of results nobody
   * reads are not lost.
   */
  async flush(): Promise<void> {
    await this.step(() => undefined);
    const e = this.firstError;
    this.firstError = null;
    if (e) throw e;
  }

  /**
   * Queues GPU work: `body` runs after every earlier step, with the inputs' handles, and
   * returns one handle per output (null for an empty output), which replace the outputs'
   * values.
   */
  enqueue(inputs: readonly GpuBuffer[], outputs: readonly GpuBuffer[], body: StepBody): void {
    this.step(async () => {
      try {
        const handles = inputs.map((b) => this.current(b));
        const results = await body(handles, this.rt);
        outputs.forEach((o, i) => this.setHandle(o, results[i] ?? null));
      } catch (e) {
        if (!this.firstError) this.firstError = e;
        for (const o of outputs) {
          this.setHandle(o, null);
          o.error = e;
        }
      }
    });
  }

  /** Adds one step to the serial queue; the queue goes on whether the step succeeds or not. */
  private step<T>(fn: () => T | Promise<T>): Promise<T> {
    const p = this.tail.then(fn);
    this.tail = p.then(
      () => undefined,
      () => undefined,
    );
    return p;
  }

  private current(b: GpuBuffer): GpuHandle {
    if (b.error) throw b.error;
    if (!b.handle) throw new Error(`gpu backend: a buffer of ${b.size} elements was read before anything wrote it`);
    return b.handle;
  }

  private setHandle(b: GpuBuffer, h: GpuHandle | null): void {
    if (b.handle && b.handle !== h) b.handle.delete();
    b.handle = h;
    b.error = null;
  }
}

/** Copies its array argument into a GPU-resident result: how host data reaches the GPU. */
export function uploadSpec(size: number): KernelSpec {
  return { size, source: 'function (a) { return a[this.thread.x]; }', anySize: true };
}
