// The other engines of the comparison: tfjs with its WASM backend, onnxruntime-web (WASM,
// threads) running the reference model exported by bench/export-onnx.py, and PyTorch on the CPU
// through bench/torch-bench.py. All are optional: the JS engines are devDependencies imported
// through variable specifiers so neither the build nor an installed package needs them, and
// PyTorch is whatever python3 has; a loader returns the reason instead when its engine cannot run.

import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { BenchBody } from './bench-cases.js';

const require = createRequire(import.meta.url);

export interface Timing {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export interface Engine {
  name: string;
  threads: number;
  /** What the engine is, for the report (version, libraries). */
  detail?: string;
  /** A body for the named case, or a reason it cannot run it. */
  setup(caseName: string): Promise<BenchBody | string>;
  /**
   * Engines in another process time themselves: the case's timings (warm-up excluded), or a
   * reason it cannot run it. Preferred over `setup` where present.
   */
  measure?(caseName: string, iterations: number): Promise<Timing | string>;
}

// The slices of the engines' APIs used here.
interface TfTensor {
  dataSync(): unknown;
}
interface Tf {
  tensor(v: Float32Array, shape: number[]): TfTensor;
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  backend(): unknown;
  tidy(fn: () => void): void;
  dispose(ts: TfTensor[]): void;
  matMul(a: TfTensor, b: TfTensor): TfTensor;
  conv2d(x: TfTensor, w: TfTensor, stride: number, pad: string): TfTensor;
  conv2dTranspose(g: TfTensor, w: TfTensor, shape: number[], stride: number, pad: string): TfTensor;
  grad(f: (w: TfTensor) => TfTensor): (w: TfTensor) => TfTensor;
  sum(x: TfTensor): TfTensor;
  mul(a: TfTensor, b: TfTensor): TfTensor;
  getKernel(name: string, backend: string): unknown;
}
interface OrtTensorCtor {
  new (type: 'float32', data: Float32Array, dims: number[]): unknown;
}
interface Ort {
  env: { wasm: { numThreads: number; wasmPaths: string } };
  Tensor: OrtTensorCtor;
  InferenceSession: { create(model: Uint8Array, opts: object): Promise<{ run(feeds: object): Promise<unknown>; release(): Promise<void> }> };
}

/** A dynamic import the compiler does not resolve (the package is optional). */
async function optional<T>(spec: string): Promise<T> {
  const m = (await import(spec)) as T & { default?: T };
  return m;
}

function randomArray(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 31 - 1;
  }
  return a;
}

/** tfjs on its WASM backend, the .wasm files read from node_modules (no network). */
export async function loadTfjs(threads: number): Promise<Engine | string> {
  let tf: Tf;
  try {
    tf = await optional<Tf>('@tensorflow/tfjs');
    const wasm = await optional<{ setWasmPaths(p: string): void; setThreadsCount(n: number): void }>('@tensorflow/tfjs-backend-wasm');
    const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    wasm.setWasmPaths(dist + '/');
    wasm.setThreadsCount(threads);
    if (!(await tf.setBackend('wasm'))) return 'tfjs: the wasm backend did not initialise';
    await tf.ready();
  } catch (e) {
    return `tfjs-wasm unavailable (${(e as Error).message.split('\n')[0]})`;
  }
  const used = (tf.backend() as unknown as { getThreadsCount?: () => number }).getThreadsCount?.() ?? threads;
  const t = (shape: number[], seed: number) => tf.tensor(randomArray(shape.reduce((p, d) => p * d, 1), seed), shape);
  // NCHW inputs of our cases become NHWC, tfjs's only conv layout; filters [kh, kw, in, out].
  const conv = (fwd: boolean, bwd: boolean): BenchBody => {
    const x = t([8, 64, 64, 64], 3), w = t([3, 3, 64, 64], 4), g = t([8, 64, 64, 64], 5);
    return {
      run: () =>
        tf.tidy(() => {
          if (fwd) tf.conv2d(x, w, 1, 'same').dataSync();
          if (bwd) {
            tf.conv2dTranspose(g, w, [8, 64, 64, 64], 1, 'same').dataSync();
            const gw = tf.grad((ww) => tf.sum(tf.mul(tf.conv2d(x, ww, 1, 'same'), g)));
            gw(w).dataSync();
          }
        }),
      dispose: () => tf.dispose([x, w, g]),
    };
  };
  return {
    name: 'tfjs-wasm',
    threads: used,
    async setup(name) {
      if (name === 'matmul-1024') {
        const a = t([1024, 1024], 1), b = t([1024, 1024], 2);
        return { run: () => tf.tidy(() => void tf.matMul(a, b).dataSync()), dispose: () => tf.dispose([a, b]) };
      }
      if (name === 'conv3x3-64-fwd') return conv(true, false);
      if (name === 'conv3x3-64-fwdbwd') {
        const missing = ['Conv2DBackpropInput', 'Conv2DBackpropFilter'].filter((k) => !tf.getKernel(k, 'wasm'));
        return missing.length ? `tfjs-wasm has no ${missing.join('/')} kernel` : conv(true, true);
      }
      if (name.startsWith('unet-train')) return 'tfjs cannot train the model as is (no DCT/Haar/bilinear-grad graph of it)';
      if (name.startsWith('unet-fwd')) return 'tfjs has no importer for the model (no tfjs graph of it)';
      return 'not benchmarked';
    },
  };
}

/** onnxruntime-web's WASM backend on the exported model; skipped when the file is missing. */
export async function loadOrt(threads: number, root: string): Promise<Engine | string> {
  let ort: Ort;
  try {
    ort = await optional<Ort>('onnxruntime-web');
    ort.env.wasm.numThreads = threads;
    ort.env.wasm.wasmPaths = dirname(require.resolve('onnxruntime-web')) + '/';
  } catch (e) {
    return `onnxruntime-web unavailable (${(e as Error).message.split('\n')[0]})`;
  }
  return {
    name: 'ort-wasm',
    threads,
    async setup(name) {
      const m = /^unet-fwd-(\d+)$/.exec(name);
      if (!m) return 'only the UNet forward is exported to ONNX';
      const size = Number(m[1]);
      const file = join(root, `bench/.cache/unet-64-${size}.onnx`);
      if (!existsSync(file)) return `${file.slice(root.length + 1)} missing: run /usr/bin/python3 bench/export-onnx.py ${size}`;
      const session = await ort.InferenceSession.create(readFileSync(file), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
      const feeds = {
        xt: new ort.Tensor('float32', randomArray(3 * size * size, 1), [1, 3, size, size]),
        y0_aug: new ort.Tensor('float32', randomArray(28 * size * size, 2), [1, 28, size, size]),
        t: new ort.Tensor('float32', Float32Array.of(7), [1]),
      };
      // session.run is asynchronous: the body is awaited by the harness.
      return { run: (() => session.run(feeds)) as unknown as () => void, dispose: () => void session.release() };
    },
  };
}

function run(file: string, args: string[]): Promise<{ ok: boolean; out: string; err: string }> {
  return new Promise((done) => {
    execFile(file, args, { maxBuffer: 1 << 20, timeout: 30 * 60_000 }, (e, out, err) => done({ ok: !e, out: String(out), err: String(err) }));
  });
}

/**
 * PyTorch on the CPU, one python process per case (the case's model and inputs are built
 * there, the JS side idles meanwhile). The interpreter is $RESSHIFT_PYTHON, else /usr/bin/python3
 * (Debian's, which has python3-torch), else python3 on the PATH.
 */
export async function loadTorch(threads: number, root: string): Promise<Engine | string> {
  const script = join(root, 'bench/torch-bench.py');
  if (!existsSync(script)) return 'PyTorch: bench/torch-bench.py is not here (it ships with a git checkout, not the package)';
  const candidates = [process.env.RESSHIFT_PYTHON, '/usr/bin/python3', 'python3'].filter((p): p is string => !!p);
  let python = '';
  let version = '';
  for (const p of candidates) {
    const r = await run(p, ['-c', 'import torch, scipy, pywt; print(torch.__version__)']);
    if (r.ok) {
      python = p;
      version = r.out.trim();
      break;
    }
  }
  if (!python) return 'PyTorch column skipped: no python3 with torch, scipy and pywt (Debian: apt install python3-torch python3-scipy python3-pywt libopenblas0-pthread)';
  let blas = '';
  return {
    name: 'torch',
    threads,
    get detail() {
      return `PyTorch ${version} (${python}${blas ? `, BLAS ${blas}` : ''})`;
    },
    setup: async () => 'PyTorch runs in its own process (measure)',
    async measure(name, iterations) {
      const r = await run(python, [script, name, String(threads), String(iterations)]);
      if (!r.ok) return `PyTorch failed: ${r.err.trim().split('\n').pop()}`;
      const j = JSON.parse(r.out.trim().split('\n').pop()!) as { skip?: string; medianMs: number; minMs: number; maxMs: number; runs: number; blas?: string[] };
      if (j.skip) return j.skip;
      blas = (j.blas ?? []).map((p) => p.split('/').pop()).find((p) => /openblas|mkl|blis/i.test(p!)) ?? (j.blas?.length ? 'reference libblas (slow!)' : 'none loaded');
      return { median: j.medianMs, min: j.minMs, max: j.maxMs, runs: j.runs };
    },
  };
}
