import type { Backend, BackendBuffer, BackendStats, DType, KernelTensor } from '../types.js';
import type { WasmRuntime } from './runtime.js';

/** A float32 tensor in linear memory at byte offset ptr. */
export interface WasmBuffer extends BackendBuffer {
  readonly ptr: number;
  freed: boolean;
}
export type WasmTensor = KernelTensor<WasmBuffer>;

// Views over linear memory are made at each use: growing the memory detaches (unshared) or
// outgrows (shared) any view made before.
export class WasmBackend implements Backend<WasmBuffer> {
  readonly name = 'wasm';
  readonly dtypes: readonly DType[] = ['float32'];
  readonly complete = true;
  private live = 0;
  private liveBytes = 0;

  constructor(readonly rt: WasmRuntime) {}

  alloc(size: number, dtype: DType): WasmBuffer {
    if (dtype !== 'float32') throw new Error(`wasm backend holds float32 only, not ${dtype}`);
    const ptr = this.rt.heap.alloc(size * 4);
    this.live++;
    this.liveBytes += size * 4;
    return { size, dtype, ptr, freed: false };
  }

  free(buf: WasmBuffer): void {
    if (buf.freed) throw new Error('wasm backend: buffer freed twice');
    buf.freed = true;
    this.rt.heap.release(buf.ptr, buf.size * 4);
    this.live--;
    this.liveBytes -= buf.size * 4;
  }

  write(buf: WasmBuffer, src: ArrayLike<number>): void {
    if (src.length !== buf.size) throw new Error(`wasm.write: ${src.length} values for a buffer of ${buf.size}`);
    this.rt.f32(buf.ptr, buf.size).set(src);
  }

  readSync(buf: WasmBuffer): Float32Array {
    return this.rt.f32(buf.ptr, buf.size).slice();
  }

  read(buf: WasmBuffer): Promise<Float32Array> {
    return Promise.resolve(this.readSync(buf));
  }

  stats(): BackendStats {
    return { liveBuffers: this.live, liveBytes: this.liveBytes };
  }
}
