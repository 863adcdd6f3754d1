import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '../../demo/serve.mjs';
import { loadModel, upscale } from '../../src/api/index.js';
import { backward, conv2d, initWasmBackend, randNormal, Rng, scope, setBackend, stopWasmWorkers, sum } from '../../src/engine.js';
import { launchChromium, missingForBrowser, pageLog, skipReason } from '../support/browser.js';
import { copyPackedFiles } from '../support/package.js';

// esbuild's, Rollup's and webpack's own APIs, called as an application would with no options beyond the
// entry, the output, the platform (browser) and the format (ESM), bundle small entries that import
// the package as installed (the files npm packs, copied into an app's node_modules): not one
// warning. Each bundle then runs in Chromium on a cross-origin-isolated page, and its numbers
// must equal Node's for the same seeds, bit for bit. Rollup gets the engine entry: the full one
// imports jpeg-js, which is CommonJS, and plain Rollup reads ES modules only (with
// @rollup/plugin-commonjs it would; Vite does that by itself, see bundlers.test.ts).

const missing = missingForBrowser([
  ['node_modules/esbuild', 'npm install (the esbuild dev dependency)'],
  ['node_modules/rollup', 'npm install (the rollup dev dependency)'],
  ['node_modules/@rollup/plugin-node-resolve', 'npm install (the @rollup/plugin-node-resolve dev dependency)'],
  ['node_modules/webpack', 'npm install (the webpack dev dependency)'],
]);
// Generous limits: each page takes seconds on an idle 2-core machine, a busy one stretches that.
const LIMIT = 120_000;

interface EngineResult {
  ok: boolean;
  error?: string;
  ref: number[];
  wasm: number[];
  threads: number;
  crossOriginIsolated: boolean;
}

interface Upscaled {
  runsIn: string;
  wasm: number[];
  ref: number[];
}

interface UpscaleResult {
  ok: boolean;
  error?: string;
  worker: Upscaled;
  page: Upscaled;
}

/** The pattern bundle-upscale-entry.js builds. */
function input(width: number, height: number) {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = (x * 37 + y * 91 + c * 53 + x * y) & 255;
  return { width, height, data };
}

/** The same computation as bundle-engine-entry.js. */
function gradW(xShape: number[], wShape: number[], xSeed: number, wSeed: number): number[] {
  return scope(() => {
    const x = randNormal(xShape, new Rng(xSeed));
    const w = randNormal(wShape, new Rng(wSeed));
    w.requiresGrad = true;
    backward(sum(conv2d(x, w, null, { padding: 1 })));
    return Array.from(w.grad!.dataSync());
  });
}

/** float32 bit patterns, so that -0 and +0 or a last-bit difference count. */
const bits = (a: number[]) => Array.from(new Uint32Array(Float32Array.from(a).buffer));

describe.skipIf(missing.length > 0)(`bundlers: esbuild, Rollup and webpack APIs for the browser, run in Chromium${skipReason(missing)}`, () => {
  // inside the repository, so the package's dependencies resolve from its node_modules; the app's
  // own package.json keeps 'resshift-ts' from resolving to this checkout (a self-reference)
  const dir = resolve(`tmp/esbuild-rollup-${process.pid}`);
  const servers: Server[] = [];
  let browser: Browser;
  const expected = { engineRef: [] as number[], engineWasm: [] as number[], upscaleWasm: new Uint8Array() as Uint8Array, upscaleRef: new Uint8Array() as Uint8Array };

  beforeAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    copyPackedFiles(join(dir, 'node_modules/resshift-ts'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: { 'resshift-ts': '*' } }));
    // the app's own tsconfig: webpack (and esbuild) look for the nearest one above an entry, and
    // this checkout's maps '#platform' to its Node source for the type checker, which an app
    // outside the repository never sees
    writeFileSync(join(dir, 'tsconfig.json'), '{ "compilerOptions": {} }\n');
    copyFileSync('test/api/bundle-engine-entry.js', join(dir, 'engine.js'));
    copyFileSync('test/api/bundle-upscale-entry.js', join(dir, 'upscale.js'));
    browser = await launchChromium();

    setBackend('ref');
    expected.engineRef = gradW([2, 3, 12, 12], [4, 3, 3, 3], 1, 2);
    await initWasmBackend({ threads: 2 });
    setBackend('wasm');
    expected.engineWasm = gradW([2, 16, 32, 32], [8, 16, 3, 3], 3, 4);
    stopWasmWorkers();
    setBackend('ref');
    const model = await loadModel();
    expected.upscaleWasm = (await upscale(model, input(8, 8), { steps: 2, seed: 7, backend: 'wasm' })).data;
    expected.upscaleRef = (await upscale(model, input(4, 4), { steps: 2, seed: 7, backend: 'ref' })).data;
    model.dispose();
  }, LIMIT);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  /** Serves a bundle's folder (cross-origin isolated), opens its page, returns what it left in globalThis.__result. */
  async function run<T extends { ok: boolean; error?: string }>(folder: string, main: string): Promise<T> {
    writeFileSync(join(dir, folder, 'index.html'), `<!doctype html>\n<meta charset="utf-8">\n<script type="module" src="./${main}"></script>\n`);
    const server = await serve(join(dir, folder), { port: 0 });
    servers.push(server);
    const page = await browser.newPage();
    const log = pageLog(page);
    try {
      const { port } = server.address() as AddressInfo;
      await page.goto(`http://127.0.0.1:${port}/`, { timeout: 30_000 });
      await page.waitForFunction('globalThis.__result !== undefined', undefined, { timeout: LIMIT - 30_000 });
      const r = (await page.evaluate('globalThis.__result')) as T;
      if (!r.ok) throw new Error(r.error);
      return r;
    } catch (e) {
      throw new Error(`${(e as Error).message}\npage log:\n${log.join('\n')}`);
    } finally {
      await page.close();
    }
  }

  async function esbuild(entryPoints: string[] | Record<string, string>, folder: string): Promise<void> {
    const { build } = await import('esbuild');
    const r = await build({ absWorkingDir: dir, entryPoints, bundle: true, platform: 'browser', format: 'esm', outdir: folder, logLevel: 'silent' });
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
  }

  function checkEngine(r: EngineResult): void {
    expect(r.crossOriginIsolated).toBe(true);
    expect(r.threads).toBe(2);
    expect(bits(r.ref)).toEqual(bits(expected.engineRef));
    expect(bits(r.wasm)).toEqual(bits(expected.engineWasm));
  }

  it('esbuild: the engine entry bundles without a warning and computes what Node computes', async () => {
    await esbuild(['engine.js'], 'esbuild-engine');
    checkEngine(await run<EngineResult>('esbuild-engine', 'engine.js'));
  }, LIMIT);

  it('esbuild: the full entry and the worker bundle without a warning and upscale as Node does, in the worker and on the page', async () => {
    // the worker as a second entry named resshift-worker.js beside the app's bundle, as the README says
    await esbuild({ upscale: 'upscale.js', 'resshift-worker': 'node_modules/resshift-ts/dist/api/resshift-worker.js' }, 'esbuild-upscale');
    // esbuild leaves new URL('…/models/…', import.meta.url) alone: the page passes the model's URL
    copyFileSync('models/resshift-default.safetensors', join(dir, 'esbuild-upscale/model.safetensors'));
    const r = await run<UpscaleResult>('esbuild-upscale', 'upscale.js');
    expect([r.worker.runsIn, r.page.runsIn]).toEqual(['worker', 'thread']);
    for (const u of [r.worker, r.page]) {
      expect(Uint8Array.from(u.wasm)).toEqual(expected.upscaleWasm);
      expect(Uint8Array.from(u.ref)).toEqual(expected.upscaleRef);
    }
  }, LIMIT);

  it('Rollup with node-resolve for the browser: the engine entry bundles without a warning and computes what Node computes', async () => {
    const { rollup } = await import('rollup');
    const { nodeResolve } = await import('@rollup/plugin-node-resolve');
    const warnings: string[] = [];
    const bundle = await rollup({ input: join(dir, 'engine.js'), plugins: [nodeResolve({ browser: true })], onwarn: (w) => warnings.push(`${w.code}: ${w.message}`) });
    await bundle.write({ dir: join(dir, 'rollup-engine'), format: 'es' });
    await bundle.close();
    expect(warnings).toEqual([]);
    checkEngine(await run<EngineResult>('rollup-engine', 'engine.js'));
  }, LIMIT);

  async function pack(entry: string, folder: string): Promise<string[]> {
    const webpack = (await import('webpack')).default;
    // what an application writes: entry, output and mode; webpack finds the worker through
    // new Worker(new URL(...)) and reads the package's browser conditions by itself
    const stats = await new Promise<import('webpack').Stats>((done, fail) => {
      webpack({ mode: 'production', context: dir, entry, output: { path: join(dir, folder), filename: entry.slice(2) } }, (e, st) => (e || !st ? fail(e) : done(st)));
    });
    const info = stats.toJson({ all: false, errors: true, warnings: true, moduleTrace: true, errorDetails: true });
    expect(info.errors?.map((m) => `${m.message} (${(m.moduleTrace ?? []).map((t) => t.originName).join(' <- ')})`) ?? []).toEqual([]);
    return (info.warnings ?? []).map((m) => m.message);
  }

  it('webpack 5: the engine entry bundles without a warning and computes what Node computes', async () => {
    expect(await pack('./engine.js', 'webpack-engine')).toEqual([]);
    checkEngine(await run<EngineResult>('webpack-engine', 'engine.js'));
  }, LIMIT);

  it('webpack 5: the full entry bundles without a warning, emits the worker itself and upscales as Node does', async () => {
    const out = join(dir, 'webpack-upscale');
    // webpack's one performance hint is about the model file it emitted (1.6 MB against its 244 KiB
    // advice for web assets): true, and the point; anything else is a problem with the package
    const warnings = (await pack('./upscale.js', 'webpack-upscale')).filter((m) => !/^asset size limit:[^]*Assets: \s*\S+\.safetensors \([\d.]+ MiB\)$/.test(m.trim()));
    expect(warnings).toEqual([]);
    expect(readdirSync(out).filter((f) => f.endsWith('.safetensors'))).toHaveLength(1);
    copyFileSync('models/resshift-default.safetensors', join(out, 'model.safetensors'));
    const r = await run<UpscaleResult>('webpack-upscale', 'upscale.js');
    expect([r.worker.runsIn, r.page.runsIn]).toEqual(['worker', 'thread']);
    for (const u of [r.worker, r.page]) {
      expect(Uint8Array.from(u.wasm)).toEqual(expected.upscaleWasm);
      expect(Uint8Array.from(u.ref)).toEqual(expected.upscaleRef);
    }
  }, LIMIT);
});
