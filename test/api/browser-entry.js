// Bundled for the browser by test/api/bundlers.test.ts (Vite, and esbuild through `deno bundle`)
// from `import ... from 'resshift-ts'`, then run in Chromium. It upscales one small image in the
// default Web Worker (then aborts one, runs a canvas, the ref backend) and on the page's thread, measuring the longest gap between timer ticks
// while each runs, and leaves what it saw in globalThis.__result for the test to compare with Node.
import { loadModel, upscale, upscaleCanvas } from 'resshift-ts';

const params = new URLSearchParams(location.search);
const modelUrl = params.get('model') ?? undefined;
const { width, height, steps, seed } = JSON.parse(params.get('case'));

/** The same pattern the test builds in Node. */
function input(width, height) {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = (x * 37 + y * 91 + c * 53 + x * y) & 255;
  return { width, height, data };
}

/** Runs fn while a 5 ms interval timer ticks; returns its result and the longest gap between ticks. */
async function timed(fn) {
  let last = performance.now();
  let maxGap = 0;
  const id = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 5);
  const t0 = performance.now();
  try {
    const value = await fn();
    const end = performance.now();
    return { value, maxGap: Math.max(maxGap, end - last), ms: end - t0 };
  } finally {
    clearInterval(id);
  }
}

async function main() {
  const source = modelUrl ? { url: modelUrl } : undefined;
  const r = { crossOriginIsolated: globalThis.crossOriginIsolated === true };
  const image = input(width, height);
  const opts = { steps, seed, backend: 'wasm' };

  const inWorker = await loadModel(source);
  r.runsIn = inWorker.runsIn;
  r.worker = { data: Array.from((await upscale(inWorker, image, opts)).data) };
  // the responsiveness measure: a larger image (one 64x64 tile, 3 steps) while the page's timers tick
  const big = input(16, 16);
  const w = await timed(() => upscale(inWorker, big, { ...opts, steps: 3 }));
  Object.assign(r.worker, { maxGap: w.maxGap, ms: w.ms });

  // an abort ends the worker at once; the next call starts a new one (the canvas below runs there)
  const ac = new AbortController();
  let abortedAt = 0;
  const onProgress = (done) => done === 1 && (ac.abort(), (abortedAt = performance.now()));
  r.abort = { result: await upscale(inWorker, image, { ...opts, signal: ac.signal, onProgress }).then(() => 'finished', (e) => e.name) };
  r.abort.ms = performance.now() - abortedAt;

  // a canvas in, a canvas out (RGBA, alpha ignored)
  const canvas = new OffscreenCanvas(width, height);
  const rgba = new Uint8ClampedArray(width * height * 4).fill(255);
  for (let i = 0; i < width * height; i++) rgba.set(image.data.subarray(i * 3, i * 3 + 3), i * 4);
  canvas.getContext('2d').putImageData(new ImageData(rgba, width, height), 0, 0);
  const out = await upscaleCanvas(inWorker, canvas, opts);
  const px = out.getContext('2d').getImageData(0, 0, out.width, out.height).data;
  r.canvas = { width: out.width, height: out.height, rgb: Array.from({ length: out.width * out.height * 3 }, (_, i) => px[Math.floor(i / 3) * 4 + (i % 3)]) };

  // the reference backend in the worker, on a smaller image with fewer steps (it is the slow float64 oracle)
  r.ref = Array.from((await upscale(inWorker, input(4, 4), { steps: 2, seed, backend: 'ref' })).data);
  inWorker.dispose();

  // the same work on the page's own thread: the same bits, but the page freezes while it runs
  const onPage = await loadModel(source, { worker: false });
  r.pageRunsIn = onPage.runsIn;
  // (this first call also starts the page's own wasm backend, so the timed one is the sampling alone)
  r.page = { data: Array.from((await upscale(onPage, image, opts)).data) };
  const p = await timed(() => upscale(onPage, big, { ...opts, steps: 3 }));
  Object.assign(r.page, { maxGap: p.maxGap, ms: p.ms });
  r.bigEqual = p.value.data.length === 16 * 16 * 48 && p.value.data.every((v, i) => v === w.value.data[i]);
  onPage.dispose();

  // the bundled model without a URL: found where the bundler put it, or a one-line error saying what to do
  r.bundled = await loadModel().then(
    (m) => (m.dispose(), 'loaded'),
    (e) => e.message,
  );
  return r;
}

main().then(
  (r) => (globalThis.__result = { ok: true, ...r }),
  (e) => (globalThis.__result = { ok: false, error: String(e?.stack ?? e) }),
);
