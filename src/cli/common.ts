import { listBackends } from '../backends/registry.js';
import { setBackend } from '../tensor/index.js';

/** A problem with the command's input (path, file, option, backend): one line on stderr, exit 2. */
export class InputError extends Error {}

/**
 * Makes `name` the preferred backend. 'auto' takes wasm when it can start and ref otherwise; the
 * wasm backend is loaded lazily because it is optional (it may not be built).
 */
export async function selectBackend(name: string, opts: { threads?: number } = {}): Promise<string> {
  if (name === 'wasm' || name === 'auto') {
    // a variable specifier: the module may be absent in a build without the wasm backend
    const spec = '../backends/wasm/index.js';
    try {
      const mod = (await import(spec)) as { initWasmBackend?: (o?: { threads?: number }) => unknown };
      if (typeof mod.initWasmBackend !== 'function') throw new Error('its module has no initWasmBackend()');
      await mod.initWasmBackend(opts.threads !== undefined ? { threads: opts.threads } : undefined);
      setBackend('wasm');
      return 'wasm';
    } catch (e) {
      const missing = (e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND';
      if (name === 'auto') {
        setBackend('ref');
        return 'ref';
      }
      throw new InputError(`backend 'wasm' is unavailable: ${missing ? 'its module is not built or not installed' : (e as Error).message}`);
    }
  }
  if (!listBackends().includes(name)) {
    throw new InputError(`unknown backend '${name}' (available: ${[...new Set([...listBackends(), 'wasm', 'auto'])].join(', ')})`);
  }
  setBackend(name);
  return name;
}

/** Parses a positive integer option, or throws an InputError naming it. */
export function positiveInt(name: string, v: string | number | undefined, dflt?: number): number {
  const n = v === undefined ? dflt : typeof v === 'number' ? v : Number(v);
  if (n === undefined || !Number.isInteger(n) || n < 1) throw new InputError(`--${name} must be a positive integer, got ${v}`);
  return n;
}

/** Parses a non-negative finite number option, or throws an InputError naming it. */
export function nonNegative(name: string, v: string | number | undefined, dflt?: number): number {
  const n = v === undefined ? dflt : typeof v === 'number' ? v : Number(v);
  if (n === undefined || !Number.isFinite(n) || n < 0) throw new InputError(`--${name} must be a non-negative number, got ${v}`);
  return n;
}
