// The contract between the tensor engine and a backend. Backends see buffers, shapes and plain
// attribute objects only; they never import the tensor layer.

export type DType = 'float32' | 'float64';
export type TypedArray = Float32Array | Float64Array;
export type Shape = readonly number[];

/** Opaque handle to memory owned by one backend (a typed array, a WASM offset, a GPU texture). */
export interface BackendBuffer {
  readonly size: number; // element count
  readonly dtype: DType;
}

/** A buffer as a kernel sees it: always contiguous, row-major. */
export interface KernelTensor<B extends BackendBuffer = BackendBuffer> {
  readonly buf: B;
  readonly shape: Shape;
  readonly dtype: DType;
}

export type Attrs = Readonly<Record<string, unknown>>;

/**
 * A kernel writes every element of its outputs (which the engine allocated from the op's
 * inferred shapes) from its inputs. In-place ops (see OpDef.inPlace) write into inputs instead.
 */
export type Kernel<B extends BackendBuffer = BackendBuffer> = (
  inputs: readonly KernelTensor<B>[],
  outputs: readonly KernelTensor<B>[],
  attrs: Attrs,
) => void;

export interface BackendStats {
  liveBuffers: number;
  liveBytes: number;
}

export interface Backend<B extends BackendBuffer = BackendBuffer> {
  readonly name: string;
  /** Dtypes this backend can hold; an op in another dtype falls back to one that can. */
  readonly dtypes: readonly DType[];
  /** Claims a kernel for every op that runs one (all but views); a test holds it to that. */
  readonly complete?: boolean;
  /**
   * The most elements one tensor may have, where the backend has such a limit (the gpu backend:
   * what one GPU buffer or texture of its device holds); alloc refuses more.
   */
  readonly maxElements?: number;
  alloc(size: number, dtype: DType): B;
  free(buf: B): void;
  write(buf: B, src: ArrayLike<number>): void;
  /** A copy of the contents. Asynchronous backends (GPU) resolve once the data is back. */
  read(buf: B): Promise<TypedArray>;
  /** Present only where a synchronous read is free (CPU memory). */
  readSync?(buf: B): TypedArray;
  stats(): BackendStats;
  /**
   * Releases the device (GPU context, worker threads). Called once, by releaseBackend(), after
   * the backend left the registry; tensors still on it can only be disposed afterwards.
   */
  dispose?(): void | Promise<void>;
}

export function bytesPerElement(dtype: DType): number {
  return dtype === 'float64' ? 8 : 4;
}

export function allocTyped(dtype: DType, size: number): TypedArray {
  return dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
}
