// The backends every conformance suite runs on, from one list: a suite loops over it, so a new
// backend is tested by every suite at once. Each entry sets itself up lazily (in beforeAll) and
// says why it is skipped when it cannot run here.
import { listBackends } from '../../src/backends/registry.js';
import { registerAsyncTestBackend } from './async-backend.js';
import { setupWasm } from '../backends/wasm-support.js';

export interface TestBackend {
  name: string;
  /** Registers / starts the backend; resolves to null when ready, else the reason it cannot run here. */
  setup(): Promise<string | null>;
}

export const TEST_BACKENDS: readonly TestBackend[] = [
  { name: 'ref', setup: async () => null },
  {
    name: 'wasm',
    setup: async () => {
      await setupWasm(2);
      return null;
    },
  },
  {
    // the reference kernels behind reads that only resolve later: the engine's asynchronous
    // path (what a GPU needs) checked on every machine, bit-identical to ref
    name: 'async-ref',
    setup: async () => {
      if (!listBackends().includes('async-ref')) registerAsyncTestBackend('async-ref');
      return null;
    },
  },
];
