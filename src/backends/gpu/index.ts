// Entry point of the GPU.js backend. GPU.js is an optional peer dependency, loaded with a
// dynamic import only when this backend is asked for; in Node its 'webgpu' mode also needs the
// `webgpu` package (Dawn), which ./node-webgpu.ts installs as navigator.gpu. Once
// initGpuBackend resolves, kernels enqueue GPU work synchronously and `await t.data()` reads.

import { registerBackend, registerKernel } from '../registry.js';
import { GpuBackend } from './backend.js';
import { gpuKernels } from './register.js';
import { GPU_MODES, GpuRuntime, type GpuJsModule, type GpuMode } from './runtime.js';

export type { GpuBackend, GpuBuffer, GpuTensor } from './backend.js';
export type { GpuMode } from './runtime.js';

export interface GpuOptions {
  /**
   * GPU.js mode: 'webgpu' (browsers that have it, Node with the `webgpu` package, Deno),
   * 'webgl2' (browsers), 'webgl', 'headlessgl' (Node with the `gl` package). Default:
   * 'webgpu' where navigator.gpu gives an adapter or in Node, else 'webgl2'.
   */
  mode?: GpuMode;
  /** The GPU.js module (what a dynamic import of gpu.js gives, or the browser build's global GPU). */
  gpujs?: unknown;
  /** Check the GPU end to end at start (an upload, a kernel, a readback). Default true. */
  warmup?: boolean;
}

const INSTALL_HINT = 'install it with: npm install gpu.js webgpu (Node; in browsers load gpu.js yourself and pass it as { gpujs })';

const isNode = (): boolean => typeof process !== 'undefined' && !!(process as { versions?: { node?: string } }).versions?.node && !('Deno' in globalThis);

function hasNavigatorGpu(): boolean {
  return !!(globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu;
}

/** GPU.js from its module (CommonJS or ESM namespace) or its browser build's global GPU. */
function asGpuJs(m: unknown): GpuJsModule | null {
  const candidates = [m, (m as { default?: unknown })?.default];
  for (const c of candidates) {
    const G = (c as { GPU?: unknown })?.GPU ?? c;
    if (typeof G === 'function' && typeof (G as { prototype?: { createKernel?: unknown } }).prototype?.createKernel === 'function') {
      // the module exports the kernel classes; the browser build hangs them on GPU
      const classes = (typeof (c as { WebGPUKernel?: unknown }).WebGPUKernel === 'function' ? c : G) as Record<string, unknown>;
      return { GPU: G as GpuJsModule['GPU'], classes };
    }
  }
  return null;
}

async function loadGpuJs(given: unknown): Promise<GpuJsModule> {
  if (given !== undefined) {
    const lib = asGpuJs(given);
    if (!lib) throw new Error('gpu backend: the gpujs option is not the GPU.js module (no GPU class with createKernel)');
    return lib;
  }
  // The browser build of GPU.js defines a global GPU (only then: browsers also have a native GPU interface).
  const global = asGpuJs((globalThis as { GPU?: unknown }).GPU);
  if (global) return global;
  try {
    // through a variable: an optional peer, typed by GpuJsModule, that bundlers must leave to run
    // time (in a page the caller passes it as { gpujs } or loads its script)
    const name = 'gpu.js';
    const lib = asGpuJs(await import(/* webpackIgnore: true */ /* @vite-ignore */ name));
    if (lib) return lib;
  } catch (e) {
    throw new Error(`gpu backend: GPU.js is not installed (${String((e as Error)?.message ?? e).split('\n')[0]}); ${INSTALL_HINT}`);
  }
  throw new Error(`gpu backend: 'gpu.js' loaded but has no GPU class; ${INSTALL_HINT}`);
}

/**
 * Loads GPU.js, registers backend 'gpu' with a kernel for every op, and (by default) checks
 * the GPU end to end. setBackend('gpu') then makes it the default. Calling it again returns
 * the backend already made (its mode cannot change).
 */
export function initGpuBackend(opts: GpuOptions = {}): Promise<GpuBackend> {
  if (starting) {
    return starting.then((be) => {
      if (opts.mode && opts.mode !== be.rt.mode) throw new Error(`gpu backend: already running mode '${be.rt.mode}', cannot switch to '${opts.mode}'`);
      return be;
    });
  }
  const p = start(opts);
  starting = p;
  // a failed start leaves nothing behind, so a later call can try again (another mode, say)
  p.catch(() => {
    if (starting === p) starting = null;
  });
  return p;
}

let starting: Promise<GpuBackend> | null = null;

/**
 * Without a mode: 'webgpu' where navigator.gpu has an adapter, or in Node (the webgpu package);
 * else 'webgl2' (a browser whose WebGPU has no adapter, as headless Chromium by default).
 */
async function defaultMode(): Promise<GpuMode> {
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown> } } }).navigator?.gpu;
  if (gpu) return (await gpu.requestAdapter().catch(() => null)) ? 'webgpu' : 'webgl2';
  return isNode() ? 'webgpu' : 'webgl2';
}

async function start(opts: GpuOptions): Promise<GpuBackend> {
  const mode: GpuMode = opts.mode ?? (await defaultMode());
  if (!GPU_MODES.includes(mode)) throw new Error(`gpu backend: mode '${mode}' is not a GPU mode (use ${GPU_MODES.join(', ')})`);
  const lib = await loadGpuJs(opts.gpujs);
  if (mode === 'webgpu' && !hasNavigatorGpu()) {
    if (!isNode()) throw new Error("gpu backend: mode 'webgpu' needs navigator.gpu, which this runtime does not have");
    const path = './node-webgpu.js'; // Node only, so never a static import, and never bundled
    const { installNodeWebgpu } = (await import(/* webpackIgnore: true */ /* @vite-ignore */ path)) as { installNodeWebgpu(): Promise<string> };
    await installNodeWebgpu();
  }
  let rt: GpuRuntime;
  try {
    rt = GpuRuntime.create(lib, mode);
  } catch (e) {
    // GPU.js runs headlessgl only with the gl package (headless-gl), which it loads itself
    if (mode === 'headlessgl' && isNode()) throw new Error(`${(e as Error).message}; headlessgl needs the gl package: npm install gl`);
    throw e;
  }
  const backend = new GpuBackend(rt);
  // checked before registering, so a GPU that fails leaves no 'gpu' backend behind
  if (opts.warmup ?? true) await warmup(backend);
  registerGpu(backend);
  return backend;
}

/** Registers backend 'gpu' and its kernels with the dispatch registry. */
export function registerGpu(backend: GpuBackend): GpuBackend {
  registerBackend(backend);
  for (const [op, fn] of Object.entries(gpuKernels(backend))) registerKernel('gpu', op, fn);
  return backend;
}

/** An upload, a kernel and a readback, checked: a missing adapter or a broken driver fails here, not mid-run. */
async function warmup(be: GpuBackend): Promise<void> {
  const src = [1, -2, 3.5, 0.25];
  const a = be.alloc(src.length, 'float32');
  const b = be.alloc(src.length, 'float32');
  try {
    be.write(a, src);
    gpuKernels(be).neg([{ buf: a, shape: [4], dtype: 'float32' }], [{ buf: b, shape: [4], dtype: 'float32' }], {});
    const got = await be.read(b);
    await be.flush();
    if (src.some((v, i) => got[i] !== -v)) throw new Error(`gpu backend: the warm-up kernel returned [${[...got].join(', ')}] for -[${src.join(', ')}] on ${be.describe()}`);
  } finally {
    be.free(a);
    be.free(b);
  }
}
