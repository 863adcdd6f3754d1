// Node 20's V8 (11.3) has WebAssembly relaxed SIMD behind a flag. The CLI's --fma turns the flag
// on in its own process before the wasm backend compiles its kernels (V8 flags are process-wide,
// so the worker threads see it too); a library caller runs node with the flag instead.

import { setFlagsFromString } from 'node:v8';

let enabled = false;

/** Lets this process compile relaxed-SIMD WebAssembly (a no-op where it already can). */
export function enableRelaxedSimd(): void {
  if (enabled) return;
  setFlagsFromString('--experimental-wasm-relaxed-simd');
  enabled = true;
}
