// Runs in a browser page against the built package (no bundler): starts the gpu backend in a
// GPU.js mode and runs kernels on inputs the test sends, returning their outputs.
// globalThis.__gpuReady is set once the functions below exist.
import { getOp, initGpuBackend } from '/dist/engine.js'; // the engine entry loads unbundled (one import map entry)
import { getKernel } from '/dist/backends/registry.js'; // the same module instance as the entry's
import { runGoldenCase } from '/dist/golden/index.js';

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

/**
 * x <- x + 1 three times at each size in turn (x = 0, 1, 2, ... at the start), freeing each
 * input once used, as autograd chains do: the kernel's input is its own last result, between
 * sizes. Returns the number of wrong elements per size.
 */
globalThis.__gpuAddChains = async (sizes) => {
  const add = getKernel('gpu', 'add');
  const t = (n, f) => {
    const buf = backend.alloc(n, 'float32');
    if (f) backend.write(buf, Float32Array.from({ length: n }, (_, i) => f(i)));
    return { buf, shape: [n], dtype: 'float32' };
  };
  const wrong = [];
  for (const n of sizes) {
    let x = t(n, (i) => i);
    const one = t(n, () => 1);
    for (let k = 0; k < 3; k++) {
      const y = t(n);
      add([x, one], [y], {});
      backend.free(x.buf);
      x = y;
    }
    const v = await backend.read(x.buf);
    wrong.push(v.filter((e, i) => e !== i + 3).length);
    backend.free(x.buf);
    backend.free(one.buf);
  }
  await backend.flush();
  return wrong;
};

/**
 * A broadcast add of [M, 1, W] (k mod 251 at flat index k) and [1, H, W] (k mod 241 + 1000) into
 * M*H*W elements, above 2^24 where the caller asks: checked here, element by element, against
 * the closed form (sending 2^24 values to Node would take longer than the kernel). Then an
 * expand one element past the backend's limit, which must be refused. Returns the first wrong
 * element (-1: none), the limit and that refusal's message.
 */
globalThis.__gpuLargeAdd = async (M, H, W) => {
  const add = getKernel('gpu', 'add');
  const t = (shape, f) => {
    const n = shape.reduce((p, d) => p * d, 1);
    const buf = backend.alloc(n, 'float32');
    if (f) {
      const v = new Float32Array(n);
      for (let k = 0; k < n; k++) v[k] = f(k);
      backend.write(buf, v);
    }
    return { buf, shape, dtype: 'float32' };
  };
  const a = t([M, 1, W], (k) => k % 251);
  const b = t([1, H, W], (k) => (k % 241) + 1000);
  const z = t([M, H, W]);
  add([a, b], [z], {});
  const v = await backend.read(z.buf);
  for (const x of [a, b, z]) backend.free(x.buf);
  await backend.flush();
  let wrong = v.length === M * H * W ? -1 : 0;
  for (let k = 0; k < v.length && wrong < 0; k++) {
    const w = k % W;
    const h = Math.floor(k / W) % H;
    const m = Math.floor(k / (H * W));
    if (v[k] !== ((m * W + w) % 251) + ((h * W + w) % 241) + 1000) wrong = k;
  }
  let refusal = '';
  try {
    backend.free(backend.alloc(backend.maxElements + 1, 'float32'));
  } catch (e) {
    refusal = e.message;
  }
  return { n: v.length, wrong, maxElements: backend.maxElements, refusal, kernelClass: backend.rt.kernelClass };
};

/**
 * Runs PyTorch golden cases (served under /golden/) on the gpu backend; returns each case's
 * outputs, the GPU.js kernels it dispatched and the kernel class that ran them.
 */
globalThis.__gpuGolden = async (names) => {
  const cases = [];
  for (const name of names) {
    const res = await fetch(`/golden/${name}`);
    if (!res.ok) throw new Error(`/golden/${name}: HTTP ${res.status}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const before = backend.rt.dispatches;
    const r = await runGoldenCase(bytes, { backend: 'gpu' });
    await backend.flush(); // a failed step nobody read fails the case here
    cases.push({
      name,
      status: r.status,
      reason: r.reason,
      outputs: [...r.outputs].map(([n, t]) => [n, t.shape, Array.from(t.data)]),
      dispatches: backend.rt.dispatches - before,
      kernelClass: backend.rt.kernelClass,
    });
  }
  return { cases };
};

globalThis.__gpuReady = true;
