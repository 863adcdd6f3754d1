// Bundled for the browser by test/api/esbuild-rollup.test.ts (esbuild) from
// `import ... from 'resshift-ts'`, then run in Chromium: a tiny upscale with the bundled model (served
// beside the page) in the Web Worker and on the page's own thread, on the WASM and the reference
// backends; the test compares the bytes with Node's for the same seed. The outcome lands in globalThis.__result.
import { loadModel, upscale } from 'resshift-ts';

/** The pattern the test builds in Node. */
function input(width, height) {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = (x * 37 + y * 91 + c * 53 + x * y) & 255;
  return { width, height, data };
}

/** A tiny upscale on the WASM and reference backends, with the model loaded where `options` says. */
async function run(options) {
  const model = await loadModel({ url: './model.safetensors' }, options);
  try {
    const wasm = await upscale(model, input(8, 8), { steps: 2, seed: 7, backend: 'wasm' });
    const ref = await upscale(model, input(4, 4), { steps: 2, seed: 7, backend: 'ref' });
    return { runsIn: model.runsIn, wasm: Array.from(wasm.data), ref: Array.from(ref.data) };
  } finally {
    model.dispose();
  }
}

try {
  // the default: a Web Worker from ./resshift-worker.js beside this bundle (the test's second entry)
  const worker = await run();
  const page = await run({ worker: false });
  globalThis.__result = { ok: true, worker, page };
} catch (e) {
  globalThis.__result = { ok: false, error: String(e && e.stack ? e.stack : e) };
}
