import { getBackend, getBackendPreference, setBackendPreference } from '../backends/registry.js';
import { scope, setBackend, Tensor } from '../tensor/index.js';
import { defaultBackendName, setDefaultBackend } from '../tensor/tensor.js';
import { CaseContext, outputBudget } from './context.js';
import { parseGoldenCase } from './parse.js';
import { handlerFor } from './registry.js';
import { UnsupportedCase, type CaseOutputs, type GoldenCase, type GoldenRunResult, type HostTensor } from './types.js';

export interface RunOptions {
  /** Backend the case runs on ('ref' when absent); it must be registered already. */
  backend?: string;
}

function withBackend<T>(name: string, fn: () => T): T {
  const pref = [...getBackendPreference()];
  const dflt = defaultBackendName();
  setBackend(name);
  try {
    return fn();
  } finally {
    setBackendPreference(pref);
    setDefaultBackend(dflt);
  }
}

async function readBack(outs: CaseOutputs): Promise<Map<string, HostTensor>> {
  const result = new Map<string, HostTensor>();
  try {
    for (const [name, v] of outs) {
      if (v instanceof Tensor) {
        const d = await v.data();
        result.set(name, { shape: [...v.shape], data: d instanceof Float32Array ? d : Float32Array.from(d) });
      } else {
        result.set(name, { shape: [...v.shape], data: v.data });
      }
    }
  } finally {
    for (const v of outs.values()) if (v instanceof Tensor) v.dispose();
  }
  return result;
}

/**
 * Computes every expected tensor of one case with the engine, from the case's arguments and its
 * given tensors only. Never throws for a bad case: problems come back as status 'error', and
 * arguments or ops the engine does not implement as 'unsupported'.
 */
export async function runGoldenCase(input: Uint8Array | GoldenCase, opts: RunOptions = {}): Promise<GoldenRunResult> {
  let gc: GoldenCase;
  try {
    gc = input instanceof Uint8Array ? parseGoldenCase(input) : input;
  } catch (e) {
    return { case: '', op: '', status: 'error', reason: (e as Error).message, outputs: new Map() };
  }
  const base = { case: gc.name, op: gc.op };
  const handler = handlerFor(gc.op);
  if (!handler) return { ...base, status: 'unsupported', reason: `no handler for op '${gc.op}'`, outputs: new Map() };
  const backend = opts.backend ?? 'ref';
  try {
    getBackend(backend);
  } catch (e) {
    return { ...base, status: 'error', reason: (e as Error).message, outputs: new Map() };
  }
  const given = new Map([...gc.tensors].filter(([name]) => handler.isGiven(name, gc.op)));
  const ctx = new CaseContext(gc.op, gc.args, given, backend, outputBudget(gc.tensors));
  try {
    const outs = withBackend(backend, () => scope(() => handler.run(ctx)));
    return { ...base, status: 'ok', outputs: await readBack(outs) };
  } catch (e) {
    if (e instanceof UnsupportedCase) return { ...base, status: 'unsupported', reason: e.message, outputs: new Map() };
    return { ...base, status: 'error', reason: (e as Error).message, outputs: new Map() };
  }
}
