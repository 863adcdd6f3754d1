#!/usr/bin/env node
// Builds the demo page into demo/dist (static files: the page, its script, the package's worker
// and the bundled model), with Vite, which bundles `new Worker(new URL(...))` and
// `new URL('model', import.meta.url)` without configuration. Needs the package built first
// (npm run build). Then `node demo/serve.mjs` serves it with the cross-origin isolation headers.
//
//   node demo/build.mjs [--out DIR]
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

/** Builds the demo into `outDir` (default demo/dist); resolves with the folder. */
export async function buildDemo({ outDir = resolve(here, 'dist'), quiet = false } = {}) {
  if (!existsSync(resolve(here, '../dist/index.js'))) throw new Error('the package is not built: run `npm run build` first');
  const { build } = await import('vite');
  await build({
    root: here,
    configFile: false,
    // relative URLs: the folder can be served from any path
    base: './',
    logLevel: quiet ? 'warn' : 'info',
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      // rolldown's notice of how long Vite's own plugins took (its worker plugin builds the worker in one call)
      rolldownOptions: { checks: { bundlerTimings: false } },
    },
  });
  return outDir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  try {
    const out = await buildDemo(at > 0 ? { outDir: resolve(process.argv[at + 1]) } : {});
    console.log(`demo built in ${out}; serve it with: node demo/serve.mjs ${at > 0 ? process.argv[at + 1] : ''}`.trimEnd());
  } catch (e) {
    console.error(`demo build: ${e.message}`);
    process.exit(e.message.includes('not built') ? 2 : 1);
  }
}
