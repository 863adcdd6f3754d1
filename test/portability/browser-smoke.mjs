// Runs in a browser page against the built package's engine entry (no bundler): the engine, autograd and the
// WASM backend (with Web Workers over shared memory) must give the same numbers as in Node.
// The outcome lands in globalThis.__smoke ({ ok: true, ... } or { ok: false, error }) and is
// also printed to the console as one JSON line.
import { backward, conv2d, initWasmBackend, randNormal, Rng, scope, setBackend, stopWasmWorkers, sum, wasmThreads } from '/dist/engine.js';

/** The gradient of sum(conv2d(x, w)) with respect to w, for seeded N(0,1) inputs. */
function step(xShape, wShape, xSeed, wSeed) {
  return scope(() => {
    const x = randNormal(xShape, new Rng(xSeed));
    const w = randNormal(wShape, new Rng(wSeed));
    w.requiresGrad = true;
    backward(sum(conv2d(x, w, null, { padding: 1 })));
    return Array.from(w.grad.dataSync());
  });
}
const small = () => step([2, 3, 12, 12], [4, 3, 3, 3], 1, 2); // as in deno-smoke.mjs
const large = () => step([2, 16, 32, 32], [8, 16, 3, 3], 3, 4); // big enough to go to the workers

let result;
try {
  setBackend('ref');
  const ref = small();
  await initWasmBackend({ threads: 2 });
  setBackend('wasm');
  const threads = wasmThreads();
  const wasm = small();
  const wasmLarge = large();
  // Not in the public entry: jobs that ran on the workers (same module instance as the entry's).
  const { wasmParallelJobs } = await import('/dist/backends/wasm/index.js');
  const parallelJobs = wasmParallelJobs();
  stopWasmWorkers();
  result = {
    ok: true,
    ref,
    wasm,
    wasmLarge,
    threads,
    parallelJobs,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    sharedArrayBuffer: typeof SharedArrayBuffer !== 'undefined',
  };
} catch (e) {
  result = { ok: false, error: String(e && e.stack ? e.stack : e) };
}
globalThis.__smoke = result;
console.log(`smoke ${JSON.stringify(result)}`);
