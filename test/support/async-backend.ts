// A stand-in for a GPU backend in tests that need no GPU: the reference kernels on their own
// buffers, but reads only asynchronous (no readSync), counted, and resolved on a later tick. The
// engine must therefore run everything on it without a synchronous read, as it must on a GPU.
import { getKernel, kernelNames, listBackends, registerBackend, registerKernel } from '../../src/backends/registry.js';
import { allocTyped, bytesPerElement, type Backend, type BackendBuffer, type DType, type TypedArray } from '../../src/backends/types.js';

interface Buf extends BackendBuffer {
  data: TypedArray;
}

export class AsyncTestBackend implements Backend<Buf> {
  readonly dtypes: readonly DType[] = ['float32'];
  readonly complete = true;
  reads = 0;
  disposed = false;
  private live = 0;
  private bytes = 0;
  constructor(readonly name: string) {}
  alloc(size: number, dtype: DType): Buf {
    if (this.disposed) throw new Error(`${this.name}: disposed`);
    this.live++;
    this.bytes += size * bytesPerElement(dtype);
    return { size, dtype, data: allocTyped(dtype, size) };
  }
  free(buf: Buf): void {
    this.live--;
    this.bytes -= buf.size * bytesPerElement(buf.dtype);
  }
  write(buf: Buf, src: ArrayLike<number>): void {
    buf.data.set(src);
  }
  async read(buf: Buf): Promise<TypedArray> {
    this.reads++;
    const copy = buf.data.slice();
    await new Promise((r) => setTimeout(r, 0));
    return copy;
  }
  stats() {
    return { liveBuffers: this.live, liveBytes: this.bytes };
  }
  dispose(): void {
    this.disposed = true;
  }
}

/** Registers (once per name) an asynchronous backend running the reference kernels. */
export function registerAsyncTestBackend(name = 'async-ref'): AsyncTestBackend {
  const b = new AsyncTestBackend(name);
  if (listBackends().includes(name)) throw new Error(`backend ${name} is already registered`);
  registerBackend(b);
  for (const op of kernelNames('ref')) registerKernel(name, op, getKernel('ref', op)!);
  return b;
}
