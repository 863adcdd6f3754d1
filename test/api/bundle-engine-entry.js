// Bundled for the browser by test/api/esbuild-rollup.test.ts (esbuild, Rollup, webpack) from
// `import ... from 'resshift-ts/engine'`, then run in Chromium: seeded convolution gradients on the
// reference backend and on the WASM backend with 2 threads (the larger case runs partly on the
// worker); the test compares them with Node's, bit for bit. The outcome lands in globalThis.__result.
import { backward, conv2d, initWasmBackend, randNormal, Rng, scope, setBackend, stopWasmWorkers, sum, wasmThreads } from 'resshift-ts/engine';

/** The gradient of sum(conv2d(x, w)) with respect to w, for seeded N(0,1) inputs. */
function gradW(xShape, wShape, xSeed, wSeed) {
  return scope(() => {
    const x = randNormal(xShape, new Rng(xSeed));
    const w = randNormal(wShape, new Rng(wSeed));
    w.requiresGrad = true;
    backward(sum(conv2d(x, w, null, { padding: 1 })));
    return Array.from(w.grad.dataSync());
  });
}

try {
  setBackend('ref');
  const ref = gradW([2, 3, 12, 12], [4, 3, 3, 3], 1, 2);
  await initWasmBackend({ threads: 2 });
  setBackend('wasm');
  const wasm = gradW([2, 16, 32, 32], [8, 16, 3, 3], 3, 4);
  const threads = wasmThreads();
  stopWasmWorkers();
  globalThis.__result = { ok: true, ref, wasm, threads, crossOriginIsolated: globalThis.crossOriginIsolated === true };
} catch (e) {
  globalThis.__result = { ok: false, error: String(e && e.stack ? e.stack : e) };
}
