import type { Backend, DType, Kernel } from './types.js';

// Backends and their kernels, by name. A backend registers its kernels from one explicit
// register module so bundlers can drop what is not imported.

const backends = new Map<string, Backend>();
const kernels = new Map<string, Map<string, Kernel>>();
const warned = new Set<string>();

export function registerBackend(b: Backend): void {
  backends.set(b.name, b);
  if (!kernels.has(b.name)) kernels.set(b.name, new Map());
}

/** Takes a backend and its kernels out of the registry and the preference (not 'ref', the fallback). */
export function unregisterBackend(name: string): Backend {
  if (name === 'ref') throw new Error("the 'ref' backend is the fallback of every op and cannot be released");
  const b = getBackend(name);
  backends.delete(name);
  kernels.delete(name);
  preferred = preferred.filter((n) => n !== name);
  if (!preferred.length) preferred = ['ref'];
  return b;
}

export function getBackend(name: string): Backend {
  const b = backends.get(name);
  if (!b) throw new Error(`unknown backend '${name}' (registered: ${[...backends.keys()].join(', ') || 'none'})`);
  return b;
}

export function listBackends(): string[] {
  return [...backends.keys()];
}

export function registerKernel(backend: string, op: string, fn: Kernel<any>): void {
  let table = kernels.get(backend);
  if (!table) kernels.set(backend, (table = new Map()));
  table.set(op, fn as Kernel);
}

export function getKernel(backend: string, op: string): Kernel | undefined {
  return kernels.get(backend)?.get(op);
}

export function kernelNames(backend: string): string[] {
  return [...(kernels.get(backend)?.keys() ?? [])];
}

/** Warn once per (op, backend) pair, so a missing kernel is a visible slowdown, not noise. */
export function warnOnce(key: string, message: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  if (typeof console !== 'undefined') console.warn(message);
}

// ---- dispatch policy -------------------------------------------------------------------------
// Choices depend only on the op, dtype and configuration, never on run-time timings, so a run
// is reproducible.

let preferred: string[] = ['ref'];

/** Ordered backend preference, e.g. ['wasm', 'ref']. Unknown names are rejected. */
export function setBackendPreference(names: string[]): void {
  for (const n of names) getBackend(n);
  preferred = [...names];
}

export function getBackendPreference(): readonly string[] {
  return preferred;
}

/** The first preferred backend that holds the dtype and has the kernel; 'ref' otherwise. */
export function chooseBackend(op: string, dtype: DType): Backend {
  const first = preferred[0];
  for (const name of preferred) {
    const b = backends.get(name);
    if (!b || !b.dtypes.includes(dtype)) continue;
    if (getKernel(name, op)) {
      if (name !== first) warnOnce(`${op}/${first}`, `resshift-ts: no '${op}' kernel on backend '${first}' for ${dtype}; using '${name}'`);
      return b;
    }
  }
  const ref = getBackend('ref');
  if (!getKernel('ref', op)) throw new Error(`${op}: no kernel registered on any backend`);
  if (first !== 'ref') warnOnce(`${op}/${first}`, `resshift-ts: no '${op}' kernel on backend '${first}' for ${dtype}; using 'ref'`);
  return ref;
}
