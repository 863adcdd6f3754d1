// Starting the backend a call asks for. Backends that need starting (instantiation) have a
// starter here; others (ref, or one a caller registered) are used by name.
import { listBackends } from '../backends/registry.js';
import { initWasmBackend } from '../backends/wasm/index.js';
import type { BackendChoice } from './types.js';

const STARTERS: Record<string, (threads?: number, fma?: boolean) => Promise<unknown>> = {
  wasm: (threads, fma) => initWasmBackend({ ...(threads === undefined ? {} : { threads }), ...(fma === undefined ? {} : { fma }) }),
};

/** Starts `choice` (once; later calls only change wasm's thread count) and returns the backend's name. */
export async function startBackend(choice: BackendChoice = 'auto', threads?: number, fma?: boolean): Promise<string> {
  if (choice === 'auto') {
    try {
      await STARTERS.wasm(threads, fma);
      return 'wasm';
    } catch (e) {
      // asked for explicitly, fused multiply-add is not quietly swapped for the ref backend
      if (fma) throw new Error(`backend 'wasm' is unavailable: ${(e as Error).message.split('\n')[0]}`);
      return 'ref';
    }
  }
  if (fma && choice !== 'wasm') throw new Error(`fma applies to the wasm backend only, not '${choice}'`);
  const start = STARTERS[choice];
  if (start) {
    try {
      await start(threads, fma);
    } catch (e) {
      throw new Error(`backend '${choice}' is unavailable: ${(e as Error).message.split('\n')[0]}`);
    }
    return choice;
  }
  if (!listBackends().includes(choice)) {
    throw new Error(`unknown backend '${choice}' (available: ${[...new Set(['auto', ...Object.keys(STARTERS), ...listBackends()])].join(', ')})`);
  }
  return choice;
}
