// Turning the embedded bytes into a compiled module: base64 decoding, feature checks, and the
// single-threaded variant for hosts without SharedArrayBuffer.

import { wasmApi, type WasmModule } from './wasm-api.js';

function decodeBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function readLeb(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    if (!(b & 0x80)) return [value, at];
    shift += 7;
  }
}

/**
 * The module imports a shared memory; a host without SharedArrayBuffer needs the same code
 * importing an unshared one. The two differ in one limits flag of the memory import (0x03
 * shared+max -> 0x01 max), so flip it in a copy instead of shipping a second binary.
 */
function unsharedVariant(src: Uint8Array): Uint8Array {
  const bytes = src.slice();
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, body] = readLeb(bytes, at + 1);
    if (id === 2) {
      let [count, p] = readLeb(bytes, body);
      for (; count > 0; count--) {
        let len: number;
        [len, p] = readLeb(bytes, p);
        p += len;
        [len, p] = readLeb(bytes, p);
        p += len;
        const kind = bytes[p++];
        if (kind === 2) {
          if (bytes[p] === 0x03) bytes[p] = 0x01;
          return bytes;
        }
        if (kind === 0) [, p] = readLeb(bytes, p);
        else if (kind === 1) {
          p++;
          const flags = bytes[p++];
          [, p] = readLeb(bytes, p);
          if (flags & 1) [, p] = readLeb(bytes, p);
        } else if (kind === 3) p += 2;
        else throw new Error(`wasm: unexpected import kind ${kind}`);
      }
    }
    at = body + size;
  }
  throw new Error('wasm: module has no memory import');
}

export interface CompiledKernels {
  module: WasmModule;
  shared: boolean;
}

/** Threads need SharedArrayBuffer (Node, Deno, cross-origin-isolated pages); elsewhere one thread. */
export function sharedMemoryAvailable(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  const g = globalThis as { crossOriginIsolated?: boolean; document?: unknown };
  return !(g.document !== undefined && g.crossOriginIsolated === false);
}

/** Why the fused multiply-add build cannot run here, and where it can. */
export const FMA_UNAVAILABLE =
  'wasm backend: fused multiply-add needs WebAssembly relaxed SIMD, which this runtime does not enable ' +
  '(Node 20: run node with --experimental-wasm-relaxed-simd, or pass --fma to the resshift-ts commands; Chrome 114+ and Deno have it)';

/**
 * The kernels compiled for this host: shared memory when wanted and possible, else the
 * single-threaded variant. `fma` picks the build whose GEMM uses relaxed SIMD's fused
 * multiply-add (faster; results differ from the default build's in the last bits).
 */
export async function compileKernels(wantShared: boolean, fma = false): Promise<CompiledKernels> {
  // Loaded on first use, so importing the backend costs nothing until it is initialised.
  const { WASM_BASE64, WASM_FMA_BASE64 } = await import('./generated/kernels-wasm.js');
  const bytes = decodeBase64(fma ? WASM_FMA_BASE64 : WASM_BASE64);
  if (wantShared && wasmApi.validate(bytes)) return { module: await wasmApi.compile(bytes), shared: true };
  const single = unsharedVariant(bytes);
  if (!wasmApi.validate(single)) {
    if (fma && wasmApi.validate(unsharedVariant(decodeBase64(WASM_BASE64)))) throw new Error(FMA_UNAVAILABLE);
    throw new Error('wasm backend: this host cannot run the kernels (WebAssembly SIMD is required); use the ref backend');
  }
  return { module: await wasmApi.compile(single), shared: false };
}
