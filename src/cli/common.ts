import { availableParallelism } from 'node:os';
import { listBackends } from '../backends/registry.js';
import { enableRelaxedSimd } from '../node/relaxed-simd.js';
import { setBackend } from '../tensor/index.js';
import { err } from './printable.js';

/** A problem with the command's input (path, file, option, backend): one line on stderr, exit 2. */
export class InputError extends Error {}

/** The backends --backend names (besides those registered, such as ref). */
export const BACKEND_NAMES = 'auto, wasm, ref or gpu';

/** GPU.js modes --gpu-mode takes in Node: WebGPU through Dawn (the webgpu package), or WebGL through the gl package. */
export const NODE_GPU_MODES = ['webgpu', 'headlessgl'] as const;
export const GPU_MODE_HELP = `GPU.js mode of --backend gpu: ${NODE_GPU_MODES.join(' or ')} (default webgpu)`;

/** --fma's help: what it buys and what it costs. */
export const FMA_HELP = 'wasm backend: fused multiply-add in matrix products and convolutions (relaxed SIMD), ~1.1-1.2x faster; results differ from the default in the last bits';

/**
 * Makes `name` the preferred backend. 'auto' takes wasm when it can start and ref otherwise; the
 * wasm backend is loaded lazily because it is optional (it may not be built). 'gpu' starts the
 * GPU.js backend in `gpuMode`; GPU.js (and webgpu) are optional packages, so when they are
 * missing this says what to install.
 */
export async function selectBackend(name: string, opts: { threads?: number; gpuMode?: string; fma?: boolean } = {}): Promise<string> {
  if (opts.gpuMode !== undefined && name !== 'gpu') throw new InputError(`--gpu-mode applies to --backend gpu only, not --backend ${name}`);
  if (opts.fma && name !== 'wasm' && name !== 'auto') throw new InputError(`--fma applies to the wasm backend only, not --backend ${name}`);
  if (name === 'gpu') return selectGpu(opts.gpuMode);
  if (name === 'wasm' || name === 'auto') {
    // a variable specifier: the module may be absent in a build without the wasm backend
    const spec = '../backends/wasm/index.js';
    try {
      const mod = (await import(spec)) as { initWasmBackend?: (o?: { threads?: number; fma?: boolean }) => unknown };
      if (typeof mod.initWasmBackend !== 'function') throw new Error('its module has no initWasmBackend()');
      if (opts.fma) enableRelaxedSimd();
      await mod.initWasmBackend({ ...(opts.threads !== undefined ? { threads: opts.threads } : {}), ...(opts.fma ? { fma: true } : {}) });
      setBackend('wasm');
      return 'wasm';
    } catch (e) {
      const missing = (e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND';
      // --fma asks for wasm: no quiet fallback to ref
      if (name === 'auto' && !opts.fma) {
        setBackend('ref');
        return 'ref';
      }
      throw new InputError(`backend 'wasm' is unavailable: ${missing ? 'its module is not built or not installed' : (e as Error).message}`);
    }
  }
  if (!listBackends().includes(name)) {
    throw new InputError(`unknown backend '${name}' (available: ${[...new Set([...listBackends(), 'wasm', 'gpu', 'auto'])].join(', ')})`);
  }
  setBackend(name);
  return name;
}

let announced = false;

async function selectGpu(mode = 'webgpu'): Promise<string> {
  if (!(NODE_GPU_MODES as readonly string[]).includes(mode)) throw new InputError(`--gpu-mode must be ${NODE_GPU_MODES.join(' or ')} in Node, got ${mode}`);
  // lazily: only a gpu run pays for loading the backend's kernels
  const { initGpuBackend } = await import('../backends/gpu/index.js');
  try {
    const be = await initGpuBackend({ mode: mode as (typeof NODE_GPU_MODES)[number] });
    // which device and GPU.js kernel class do the work (a software adapter is slow: say so up front), once
    if (!announced) err(`resshift-ts: backend gpu runs on ${be.describe()}`);
    announced = true;
  } catch (e) {
    // the backend's messages name what is missing and how to install it
    const msg = String((e as Error)?.message ?? e).split('\n')[0].replace(/^gpu backend: /, '');
    throw new InputError(`backend 'gpu' is unavailable: ${msg}`);
  }
  setBackend('gpu');
  return 'gpu';
}

/** Parses an integer option in [min, max], or throws an InputError naming it and the range. */
export function intOption(name: string, v: string | number | undefined, min: number, max: number, dflt?: number): number {
  const n = v === undefined ? dflt : typeof v === 'number' ? v : Number(v);
  if (n === undefined || !Number.isInteger(n) || n < min || n > max) throw new InputError(`--${name} must be an integer from ${min} to ${max}, got ${v}`);
  return n;
}

/**
 * Parses a positive integer option, or throws an InputError naming it. Beyond 2^53 integers are
 * no longer exact (and 1e308 counts as one), so larger values are refused too.
 */
export function positiveInt(name: string, v: string | number | undefined, dflt?: number): number {
  const n = v === undefined ? dflt : typeof v === 'number' ? v : Number(v);
  if (n === undefined || !Number.isSafeInteger(n) || n < 1) throw new InputError(`--${name} must be a positive integer below 2^53, got ${v}`);
  return n;
}

/** Parses a non-negative finite number option, or throws an InputError naming it. */
export function nonNegative(name: string, v: string | number | undefined, dflt?: number): number {
  const n = v === undefined ? dflt : typeof v === 'number' ? v : Number(v);
  if (n === undefined || !Number.isFinite(n) || n < 0) throw new InputError(`--${name} must be a non-negative number, got ${v}`);
  return n;
}

/** Parses a number option in (0, max], or throws an InputError naming it and the range. */
export function positiveAtMost(name: string, v: string, max: number): number {
  const n = Number(v);
  if (!(n > 0 && n <= max)) throw new InputError(`--${name} must be a number above 0 and at most ${max}, got ${v}`);
  return n;
}

/**
 * Most worker threads --threads accepts. The kernels' chunks are CPU-bound, so threads beyond the
 * cores cannot add speed; each worker costs about 9 MB (256 of them took 2.2 GB for a 4x4 image),
 * and an unbounded count spawns workers until memory runs out. Twice the cores still leaves room
 * to measure oversubscription.
 */
export const maxThreads = (): number => 2 * availableParallelism();

/** Parses --threads: 1 to maxThreads(). */
export function threadsOption(v: string | undefined, dflt?: number): number | undefined {
  if (v === undefined && dflt === undefined) return undefined;
  const max = maxThreads();
  const n = v === undefined ? dflt! : Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new InputError(`--threads must be an integer from 1 to ${max} (twice this machine's ${max / 2} cores: more threads than cores add no speed, only memory), got ${v}`);
  }
  return n;
}
