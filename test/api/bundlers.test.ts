import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '../../demo/serve.mjs';
import { loadModel, upscale } from '../../src/api/index.js';
import { launchChromium, missingForBrowser, pageLog, skipReason } from '../support/browser.js';

// The package as an application uses it: `import { loadModel, upscale } from 'resshift-ts'` in
// a small entry (browser-entry.js), bundled for the browser by Vite and by esbuild (the one
// inside `deno bundle`), with no options beyond an entry and an output, then run in Chromium
// on a cross-origin-isolated page. The results must equal Node's bit for bit, in the worker and
// on the page; the page must stay responsive while the worker upscales.

const DENO = 'node_modules/.bin/deno';
const missing = missingForBrowser([
  [DENO, 'npm install (the deno dev dependency)'],
  ['node_modules/vite', 'npm install (vite comes with vitest)'],
]);
const CASE = { width: 8, height: 8, steps: 2, seed: 7 };
// Generous limits: on an idle 2-core machine each page takes seconds, but a busy one stretches that many times.
const LIMIT = 180_000;

/** The pattern browser-entry.js builds. */
function input(width = CASE.width, height = CASE.height) {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = (x * 37 + y * 91 + c * 53 + x * y) & 255;
  return { width, height, data };
}

interface PageResult {
  ok: boolean;
  error?: string;
  crossOriginIsolated: boolean;
  runsIn: string;
  pageRunsIn: string;
  worker: { data: number[]; maxGap: number; ms: number };
  page: { data: number[]; maxGap: number; ms: number };
  ref: number[];
  bigEqual: boolean;
  canvas: { width: number; height: number; rgb: number[] };
  abort: { result: string; ms: number };
  bundled: string;
}

describe.skipIf(missing.length > 0)(`bundlers: Vite and esbuild (deno bundle) for the browser, run in Chromium${skipReason(missing)}`, () => {
  const dir = resolve(`tmp/bundlers-${process.pid}`);
  const servers: Server[] = [];
  let browser: Browser;
  const expected: { wasm: Uint8Array; ref: Uint8Array } = { wasm: new Uint8Array(), ref: new Uint8Array() };

  beforeAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'node_modules'), { recursive: true });
    // an application folder with the package installed (a link to this repository)
    symlinkSync(resolve('.'), join(dir, 'node_modules/resshift-ts'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: { 'resshift-ts': '*' } }));
    writeFileSync(join(dir, 'index.html'), '<!doctype html>\n<meta charset="utf-8">\n<script type="module" src="./app.js"></script>\n');
    copyFileSync('test/api/browser-entry.js', join(dir, 'app.js'));
    browser = await launchChromium();
    const model = await loadModel();
    expected.wasm = (await upscale(model, input(), { steps: CASE.steps, seed: CASE.seed, backend: 'wasm' })).data;
    expected.ref = (await upscale(model, input(4, 4), { steps: 2, seed: CASE.seed, backend: 'ref' })).data;
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

  /** Serves a bundle's folder (cross-origin isolated) and runs its page with `query`. */
  async function run(folder: string, query = ''): Promise<PageResult> {
    const server = await serve(join(dir, folder), { port: 0 });
    servers.push(server);
    const page = await browser.newPage();
    const log = pageLog(page);
    try {
      const { port } = server.address() as AddressInfo;
      await page.goto(`http://127.0.0.1:${port}/?${query}case=${encodeURIComponent(JSON.stringify(CASE))}`, { timeout: 30_000 });
      // below the test's limit, so that the page is closed (and stops working) when it fails
      await page.waitForFunction('globalThis.__result !== undefined', undefined, { timeout: LIMIT - 30_000 });
      const r = (await page.evaluate('globalThis.__result')) as PageResult;
      if (!r.ok) throw new Error(r.error);
      return r;
    } catch (e) {
      throw new Error(`${(e as Error).message}\npage log:\n${log.join('\n')}`);
    } finally {
      await page.close();
    }
  }

  function check(name: string, r: PageResult): void {
    expect(r.crossOriginIsolated).toBe(true);
    expect([r.runsIn, r.pageRunsIn]).toEqual(['worker', 'thread']);
    // the same bits in the worker, on the page, through a canvas (in the worker started after the abort), and in Node
    expect(Uint8Array.from(r.worker.data)).toEqual(expected.wasm);
    expect(Uint8Array.from(r.page.data)).toEqual(expected.wasm);
    expect(r.bigEqual).toBe(true);
    expect([r.canvas.width, r.canvas.height]).toEqual([CASE.width * 4, CASE.height * 4]);
    expect(Uint8Array.from(r.canvas.rgb)).toEqual(expected.wasm);
    expect(Uint8Array.from(r.ref)).toEqual(expected.ref);
    // an abort ends the worker at once, mid-step
    expect(r.abort.result).toBe('AbortError');
    expect(r.abort.ms).toBeLessThan(1000);
    // the page's timers keep ticking while the worker works; on the page they stop for the whole run
    console.log(`${name}: longest timer gap ${r.worker.maxGap.toFixed(0)} ms during a ${r.worker.ms.toFixed(0)} ms upscale in the worker, ${r.page.maxGap.toFixed(0)} ms during a ${r.page.ms.toFixed(0)} ms upscale on the page`);
    // (on the page the gap is the whole tile's sampling; in the worker what remains is how soon the
    // OS runs the page's thread, which a busy machine stretches: hence a ratio, not a bound in ms)
    expect(r.page.maxGap).toBeGreaterThan(0.5 * r.page.ms);
    expect(r.worker.maxGap).toBeLessThan(0.25 * r.page.maxGap);
  }

  it('Vite: builds without warnings; the worker and the bundled model come with the bundle', async () => {
    const { build, createLogger } = await import('vite');
    const warnings: string[] = [];
    const logger = createLogger('warn');
    logger.warn = (msg) => warnings.push(msg);
    logger.warnOnce = (msg) => warnings.push(msg);
    await build({ root: dir, configFile: false, logLevel: 'warn', customLogger: logger, build: { outDir: 'vite', emptyOutDir: true } });
    // rolldown's PLUGIN_TIMINGS notice reports how long Vite's own plugins took (its worker
    // plugin builds the worker inside one call), not a problem with the input; nothing else may appear
    expect(warnings.filter((w) => !w.includes('[PLUGIN_TIMINGS]'))).toEqual([]);
    const r = await run('vite');
    check('Vite', r);
    expect(r.bundled).toBe('loaded');
  }, LIMIT);

  it('esbuild (deno bundle): the worker is a second entry, the model is served where the page says', async () => {
    const bundle = (entry: string, out: string) =>
      execFileSync(resolve(DENO), ['bundle', '--quiet', '--platform', 'browser', entry, '-o', out], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' } });
    bundle('app.js', 'esbuild/app.js');
    bundle('node_modules/resshift-ts/dist/api/resshift-worker.js', 'esbuild/resshift-worker.js');
    copyFileSync(join(dir, 'index.html'), join(dir, 'esbuild/index.html'));
    copyFileSync('models/resshift-default.safetensors', join(dir, 'esbuild/model.safetensors'));
    const r = await run('esbuild', 'model=./model.safetensors&');
    check('esbuild', r);
    // esbuild does not copy files named by new URL(..., import.meta.url): the error says what to do
    expect(r.bundled).toMatch(/^loadModel: the bundled model: HTTP 404 fetching http:\/\/127\.0\.0\.1:\d+\/models\/resshift-default\.safetensors; serve resshift-ts\/models\/resshift-default\.safetensors at that URL .* or pass loadModel\(\{ url \}\)/);
  }, LIMIT);

  it('has the worker entry and the bundled model in the package exports', () => {
    expect(existsSync(join(dir, 'node_modules/resshift-ts/dist/api/resshift-worker.js'))).toBe(true);
    const resolveFrom = (spec: string) => execFileSync(process.execPath, ['--input-type=module', '-e', `console.log(import.meta.resolve(${JSON.stringify(spec)}))`], { cwd: dir, encoding: 'utf8' }).trim();
    expect(resolveFrom('resshift-ts/models/resshift-default.safetensors')).toBe(`file://${resolve('models/resshift-default.safetensors')}`);
    expect(resolveFrom('resshift-ts/worker')).toBe(`file://${resolve('dist/api/resshift-worker.js')}`);
  });
});
