// Runs in a browser page against the built package (no bundler): starts the gpu backend in a
// GPU.js mode and runs kernels on inputs the test sends, returning their outputs.
// globalThis.__gpuReady is set once the functions below exist.
import { getOp, initGpuBackend } from '/dist/engine.js'; // the engine entry loads unbundled (one import map entry)
import { getKernel } from '/dist/backends/registry.js'; // the same module instance as the entry's

let backend = null;

/** Starts the backend in `mode` with the page's GPU.js; returns what runs, or throws. */
globalThis.__gpuInit = async (mode) => {
  backend = await initGpuBackend({ mode, gpujs: globalThis.GPU });
  return backend.describe();
};

/** Each case: { op, inputs: number[][], shapes, attrs, inPlace }; returns the outputs (or the inputs after an in-place op). */
globalThis.__gpuRun = async (cases) => {
  const results = [];
  for (const c of cases) {
    const ins = c.inputs.map((d, i) => {
      const buf = backend.alloc(d.length, 'float32');
      backend.write(buf, d);
      return { buf, shape: c.shapes[i], dtype: 'float32' };
    });
    const outShapes = c.inPlace ? [] : getOp(c.op).inferShapes(c.shapes, c.attrs);
    const outs = outShapes.map((s) => ({ buf: backend.alloc(s.reduce((p, d) => p * d, 1), 'float32'), shape: s, dtype: 'float32' }));
    getKernel('gpu', c.op)(ins, outs, c.attrs);
    const read = await Promise.all((c.inPlace ? ins : outs).map((t) => backend.read(t.buf)));
    for (const t of [...ins, ...outs]) backend.free(t.buf);
    results.push(read.map((a) => Array.from(a)));
  }
  await backend.flush();
  return { results, kernelClass: backend.rt.kernelClass, live: backend.stats().liveBuffers };
};

globalThis.__gpuReady = true;
