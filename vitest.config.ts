import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(`./src/${p}`, import.meta.url));

export default defineConfig({
  // The tests run the sources: package.json "imports" point at dist/, so map them to the Node variants here.
  resolve: {
    alias: {
      '#wasm-workers': src('backends/wasm/workers-node.ts'),
      '#platform': src('api/platform-node.ts'),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
