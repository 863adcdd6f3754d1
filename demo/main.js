// The demo page: pick or drop an image, upscale it x4 in a Web Worker (the API's default on a
// page), compare bicubic and the result with a slider, download the PNG. Built by
// `node demo/build.mjs` (Vite bundles this file, the package's worker and the bundled model).
import { decodeImage, loadModel, resizeBicubicU8, toRgb8, upscale } from '../dist/index.js';

const $ = (id) => document.getElementById(id);
const state = (s, message = '') => {
  document.body.dataset.state = s;
  $('status').textContent = message;
};

let model = null;
let source = null; // { name, width, height, data: RGB bytes }
let job = null; // the running upscale's AbortController
let downloadUrl = null;

const isolated = globalThis.crossOriginIsolated === true;
const cores = navigator.hardwareConcurrency || 1;
// the wasm backend's threads in the worker: all cores but the page's, where SharedArrayBuffer exists
const threads = isolated ? Math.max(1, cores - 1) : 1;

/** Backends the worker can run: wasm (SIMD) and ref (the float64 reference); add others here as they exist. */
const BACKENDS = [
  ['auto', 'auto (wasm when it starts)'],
  ['wasm', `wasm, ${threads} thread${threads > 1 ? 's' : ''}`],
  ['ref', 'ref (slow float64 reference)'],
];

function describeEnvironment() {
  const where = model.runsIn === 'worker' ? 'in a Web Worker' : "on the page's thread (no worker)";
  const t = isolated ? `${threads} of ${cores} cores (cross-origin isolated)` : '1 thread (the page is not cross-origin isolated; serve it with COOP/COEP headers for more)';
  $('env').textContent = `Model: width ${model.info.config.baseChannels}, T = ${model.info.diffusion.T} steps. Upscaling runs ${where} on ${t}.`;
}

/** 8-bit RGB pixels of a file: our own PNG/JPEG decoder (the same pixels as in Node), else the browser's. */
async function readImage(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  try {
    const { image, warnings } = decodeImage(bytes, file.name);
    return { width: image.width, height: image.height, data: toRgb8(image), warnings };
  } catch (e) {
    if (!/not a PNG or JPEG/.test(e.message)) throw e;
    const bitmap = await createImageBitmap(file);
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d');
    ctx.drawImage(bitmap, 0, 0);
    const rgba = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
    const data = new Uint8Array(bitmap.width * bitmap.height * 3);
    for (let i = 0; i < bitmap.width * bitmap.height; i++) data.set(rgba.subarray(i * 4, i * 4 + 3), i * 3);
    return { width: bitmap.width, height: bitmap.height, data, warnings: [`${file.name}: decoded by the browser (alpha dropped)`] };
  }
}

function draw(canvas, { width, height, data }) {
  canvas.width = width;
  canvas.height = height;
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    rgba[i * 4] = data[i * 3];
    rgba[i * 4 + 1] = data[i * 3 + 1];
    rgba[i * 4 + 2] = data[i * 3 + 2];
    rgba[i * 4 + 3] = 255;
  }
  canvas.getContext('2d').putImageData(new ImageData(rgba, width, height), 0, 0);
}

async function choose(file) {
  if (!file) return;
  try {
    source = { name: file.name, ...(await readImage(file)) };
  } catch (e) {
    state('error', e.message);
    return;
  }
  // the bicubic x4 (Pillow's, as the model's y0) shows at once; the result replaces its right half
  const [W, H] = [source.width * 4, source.height * 4];
  draw($('bicubic'), { width: W, height: H, data: resizeBicubicU8(source.data, source.width, source.height, W, H) });
  const sr = $('sr');
  sr.width = W;
  sr.height = H;
  // small results are shown enlarged by a whole factor (pixelated), so their detail can be seen
  const zoom = Math.max(1, Math.floor(480 / Math.max(W, H)));
  $('bicubic').style.width = `${W * zoom}px`;
  $('result').hidden = false;
  $('download').removeAttribute('href');
  $('sizes').textContent = `${source.width}x${source.height} → ${W}x${H}`;
  $('run').disabled = model === null;
  state('ready', [`${file.name}: ${source.width}x${source.height}.`, ...source.warnings].join(' '));
}

async function run() {
  if (!source || job) return;
  const steps = Number($('steps').value);
  const seed = Number($('seed').value);
  const tile = Number($('tile').value);
  const backend = $('backend').value;
  job = new AbortController();
  $('run').disabled = true;
  $('cancel').hidden = false;
  $('progress').hidden = false;
  $('bar').value = 0;
  state('working', `Upscaling ${source.name}…`);
  const t0 = performance.now();
  let outcome;
  try {
    const out = await upscale(model, source, {
      steps, seed, tile, backend, signal: job.signal,
      onProgress: (done, total) => {
        $('bar').value = done / total;
        $('progress-text').textContent = `${done} / ${total} tile-steps`;
      },
    });
    draw($('sr'), out);
    const blob = await new Promise((resolve) => $('sr').toBlob(resolve, 'image/png'));
    if (downloadUrl) URL.revokeObjectURL(downloadUrl);
    downloadUrl = URL.createObjectURL(blob);
    const a = $('download');
    a.href = downloadUrl;
    a.download = `${source.name.replace(/\.[^.]*$/, '')}_x4.png`;
    outcome = ['done', `Done in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${steps} steps, seed ${seed}, tile ${tile}, backend ${backend}.`];
  } catch (e) {
    outcome = e.name === 'AbortError' ? ['ready', 'Cancelled.'] : ['error', e.message];
  }
  job = null;
  $('run').disabled = false;
  $('cancel').hidden = true;
  $('progress').hidden = true;
  state(...outcome);
}

function setSplit(percent) {
  $('sr').style.clipPath = `inset(0 0 0 ${percent}%)`;
  $('divider').style.left = `${percent}%`;
}

for (const [value, label] of BACKENDS) $('backend').append(new Option(label, value));
$('file').addEventListener('change', (e) => choose(e.target.files[0]));
const drop = $('drop');
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  choose(e.dataTransfer.files[0]);
});
$('settings').addEventListener('submit', (e) => {
  e.preventDefault();
  run();
});
$('cancel').addEventListener('click', () => job?.abort());
$('split').addEventListener('input', (e) => setSplit(e.target.value));

try {
  model = await loadModel();
  $('steps').max = String(model.info.diffusion.T);
  $('steps').value = String(model.info.diffusion.T);
  describeEnvironment();
  $('run').disabled = source === null;
  state(source ? 'ready' : 'idle');
} catch (e) {
  state('error', `The model did not load: ${e.message}`);
}
