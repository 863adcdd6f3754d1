// Starting the backend a call asks for. Backends that need starting (instantiation) have a
// starter here; others (ref, or one a caller registered) are used by name.
import { listBackends } from '../backends/registry.js';
import { initWasmBackend } from '../backends/wasm/index.js';
import type { BackendChoice } from './types.js';

const STARTERS: Record<string, (threads?: number) => Promise<unknown>> = {
  wasm: (threads) => initWasmBackend(threads === undefined ? {} : { threads }),
};

/** Starts `choice` (once; later calls only change wasm's thread count) and returns the backend's name. */
export async function startBackend(choice: BackendChoice = 'auto', threads?: number): Promise<string> {
  if (choice === 'auto') {
    try {
      await STARTERS.wasm(threads);
      return 'wasm';
    } catch {
      return 'ref';
    }
  }
  const start = STARTERS[choice];
  if (start) {
    try {
      await start(threads);
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
