// The allocator for tensors in linear memory. Requests are rounded up to size classes (16-byte
// multiples up to 256 bytes, then four classes per power of two, so at most 25% is wasted);
// freed blocks go to their class's free list and are reused first; new blocks are carved from
// the top, and a block freed at the top lowers it. Memory grows in large steps. The module
// never allocates: everything it touches was handed out here.

import type { WasmMemory } from './wasm-api.js';

export const PAGE = 65536;
/** wasm32 addresses 4 GiB at most; hosts may allow less (the limit is the memory's maximum). */
export const WASM32_MAX_PAGES = 65536;
const MIN_GROW_PAGES = 256; // 16 MiB

export function sizeClass(bytes: number): number {
  const b = Math.max(16, Math.ceil(bytes / 16) * 16);
  if (b <= 256) return b;
  const step = 2 ** (Math.floor(Math.log2(b - 1)) - 2);
  return Math.ceil(b / step) * step;
}

export class Heap {
  private top: number;
  private readonly free = new Map<number, number[]>();
  private freeBytes = 0;

  constructor(
    private readonly memory: WasmMemory,
    base: number,
    private readonly maxPages: number,
  ) {
    this.top = base;
  }

  /** Returns a 16-byte aligned offset of a block of sizeClass(bytes) bytes. */
  alloc(bytes: number): number {
    const c = sizeClass(bytes);
    const list = this.free.get(c);
    if (list && list.length) {
      this.freeBytes -= c;
      return list.pop()!;
    }
    const ptr = this.top;
    this.ensure(ptr + c, bytes);
    this.top = ptr + c;
    return ptr;
  }

  release(ptr: number, bytes: number): void {
    const c = sizeClass(bytes);
    if (ptr + c === this.top) {
      this.top = ptr;
      return;
    }
    let list = this.free.get(c);
    if (!list) this.free.set(c, (list = []));
    list.push(ptr);
    this.freeBytes += c;
  }

  stats(): { heapBytes: number; topBytes: number; freeListBytes: number } {
    return { heapBytes: this.memory.buffer.byteLength, topBytes: this.top, freeListBytes: this.freeBytes };
  }

  private ensure(end: number, requested: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const havePages = have / PAGE;
    const needPages = Math.ceil(end / PAGE);
    if (needPages > this.maxPages) {
      throw new RangeError(
        `wasm backend: cannot allocate ${(requested / 2 ** 20).toFixed(1)} MiB: linear memory would need ` +
          `${(needPages * PAGE / 2 ** 30).toFixed(2)} GiB, above its ${(this.maxPages * PAGE / 2 ** 30).toFixed(2)} GiB limit ` +
          `(wasm32 caps at 4 GiB; ${(this.freeBytes / 2 ** 20).toFixed(1)} MiB sit in free lists). Use smaller batches or crops.`,
      );
    }
    const target = Math.min(this.maxPages, Math.max(needPages, havePages + MIN_GROW_PAGES, Math.ceil(havePages * 1.25)));
    try {
      this.memory.grow(target - havePages);
    } catch {
      try {
        this.memory.grow(needPages - havePages);
      } catch (e) {
        throw new RangeError(`wasm backend: the host refused to grow linear memory to ${(needPages * PAGE / 2 ** 20).toFixed(0)} MiB for a ${(requested / 2 ** 20).toFixed(1)} MiB tensor (${(e as Error).message})`);
      }
    }
  }
}
