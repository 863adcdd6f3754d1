// Bundled for the browser by test/api/esbuild-rollup.test.ts (esbuild) from
// `import ... from 'resshift-ts'`, then run in Chromium: a tiny upscale with the bundled model (served
// beside the page) on the page's own thread, on the WASM and the reference backends; the test
// compares the bytes with Node's for the same seed. The outcome lands in globalThis.__result.
import { loadModel, upscale } from 'resshift-ts';

/** The pattern the test builds in Node. */
function input(width, height) {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = (x * 37 + y * 91 + c * 53 + x * y) & 255;
  return { width, height, data };
}

try {
  const model = await loadModel({ url: './model.safetensors' }, { worker: false });
  const wasm = await upscale(model, input(8, 8), { steps: 2, seed: 7, backend: 'wasm' });
  const ref = await upscale(model, input(4, 4), { steps: 2, seed: 7, backend: 'ref' });
  globalThis.__result = { ok: true, runsIn: model.runsIn, wasm: Array.from(wasm.data), ref: Array.from(ref.data) };
  model.dispose();
} catch (e) {
  globalThis.__result = { ok: false, error: String(e && e.stack ? e.stack : e) };
}
