import { allocTyped, bytesPerElement, type Backend, type BackendBuffer, type DType, type KernelTensor, type TypedArray } from '../types.js';

/** Reference storage: a plain typed array in JS memory, float32 or float64. */
export interface RefBuffer extends BackendBuffer {
  readonly data: TypedArray;
}
export type RefTensor = KernelTensor<RefBuffer>;

class RefBackend implements Backend<RefBuffer> {
  readonly name = 'ref';
  readonly dtypes: readonly DType[] = ['float32', 'float64'];
  readonly complete = true;
  private live = 0;
  private liveBytes = 0;

  alloc(size: number, dtype: DType): RefBuffer {
    this.live++;
    this.liveBytes += size * bytesPerElement(dtype);
    return { size, dtype, data: allocTyped(dtype, size) };
  }
  free(buf: RefBuffer): void {
    this.live--;
    this.liveBytes -= buf.size * bytesPerElement(buf.dtype);
  }
  write(buf: RefBuffer, src: ArrayLike<number>): void {
    if (src.length !== buf.size) throw new Error(`ref.write: ${src.length} values for a buffer of ${buf.size}`);
    buf.data.set(src);
  }
  readSync(buf: RefBuffer): TypedArray {
    return buf.data.slice();
  }
  read(buf: RefBuffer): Promise<TypedArray> {
    return Promise.resolve(this.readSync(buf));
  }
  stats() {
    return { liveBuffers: this.live, liveBytes: this.liveBytes };
  }
}

export const refBackend = new RefBackend();
