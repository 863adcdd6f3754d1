// Node-only: the WebP codec's wasm compiled from the installed @jsquash/webp, read from disk.
// The package's own loader fetch()es a file: URL, which Node's fetch refuses.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { wasmApi } from '../backends/wasm/wasm-api.js';
import { setWebpWasmLoader, type WebpWasm } from '../image/webp.js';

const FILES: Record<WebpWasm, string> = {
  decoder: '@jsquash/webp/codec/dec/webp_dec.wasm',
  encoder: '@jsquash/webp/codec/enc/webp_enc.wasm',
  'encoder-simd': '@jsquash/webp/codec/enc/webp_enc_simd.wasm',
};

let installed = false;

/** Makes the WebP codec load its wasm from disk; idempotent. Compiles nothing until a WebP is met. */
export function useWebpFromDisk(): void {
  if (installed) return;
  installed = true;
  const require = createRequire(import.meta.url);
  setWebpWasmLoader(async (which) => wasmApi.compile(await readFile(require.resolve(FILES[which]))));
}
