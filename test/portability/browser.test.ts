import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backward, conv2d, randNormal, Rng, scope, setBackend, sum } from '../../src/index.js';

// The built package loaded by a real browser (Debian's Chromium, driven by playwright-core)
// from a cross-origin-isolated page: the reference backend must give the same bits as Node, and
// the WASM backend must run with 2 threads (Web Workers over a shared WebAssembly.Memory).

const root = fileURLToPath(new URL('../../', import.meta.url));
const here = fileURLToPath(new URL('./', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const missing = [
  [CHROMIUM, 'apt-get install -y chromium'],
  [join(root, 'node_modules/playwright-core'), 'npm install'],
  [join(root, 'dist/index.js'), 'npm run build'],
].filter(([path]) => !existsSync(path));
const reason = missing.length ? ` (skipped: missing ${missing.map(([p, fix]) => `${p}; ${fix}`).join(', ')})` : '';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** Maps a URL path to a file: dist/ as is, and only the browser* files of this folder. */
function resolvePath(urlPath: string): string | null {
  let p: string;
  try {
    p = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (p.includes('\0')) return null;
  const file = normalize(join(root, p));
  const dist = join(root, 'dist') + sep;
  if (file.startsWith(dist)) return file;
  if (file.startsWith(here) && /^browser[^/\\]*\.(html|mjs)$/.test(file.slice(here.length))) return file;
  return null;
}

/** A static server on 127.0.0.1 (a secure context) with the headers that make a page cross-origin isolated. */
function startServer(): Promise<Server> {
  const server = createServer((req, res) => {
    const headers: Record<string, string> = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    };
    const file = req.method === 'GET' || req.method === 'HEAD' ? resolvePath(new URL(req.url ?? '/', 'http://x').pathname) : null;
    const type = file ? MIME[extname(file)] : undefined;
    if (!file || !type || !existsSync(file)) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    const body = readFileSync(file);
    res.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  server.keepAliveTimeout = 1_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** The same computation as browser-smoke.mjs, in Node on the reference backend. */
function gradW(xShape: number[], wShape: number[], xSeed: number, wSeed: number): number[] {
  return scope(() => {
    const x = randNormal(xShape, new Rng(xSeed));
    const w = randNormal(wShape, new Rng(wSeed));
    w.requiresGrad = true;
    backward(sum(conv2d(x, w, null, { padding: 1 })));
    return Array.from(w.grad!.dataSync());
  });
}

const bits = (a: number[]) => Array.from(new Uint32Array(Float32Array.from(a).buffer));

interface Smoke {
  ok: boolean;
  error?: string;
  ref: number[];
  wasm: number[];
  wasmLarge: number[];
  threads: number;
  parallelJobs: number;
  crossOriginIsolated: boolean;
  sharedArrayBuffer: boolean;
}

describe.skipIf(missing.length > 0)(`browser: Chromium (needs ${CHROMIUM}, playwright-core and npm run build)${reason}`, () => {
  let server: Server | undefined;
  let browser: import('playwright-core').Browser | undefined;

  beforeAll(async () => {
    server = await startServer();
    const { chromium } = await import('playwright-core');
    // Playwright gives every launch a fresh temporary user-data-dir and removes it on close.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      timeout: 15_000,
      args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 20_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server!.close(() => resolve()));
    }
  }, 10_000);

  it('runs the engine and the multi-threaded WASM backend with the same results as Node', async () => {
    const { port } = server!.address() as AddressInfo;
    const page = await browser!.newPage();
    const log: string[] = [];
    let workers = 0;
    page.on('worker', () => workers++);
    page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
    page.on('requestfailed', (r) => log.push(`requestfailed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
    page.on('response', (r) => {
      if (r.status() >= 400) log.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    let smoke: Smoke;
    try {
      await page.goto(`http://127.0.0.1:${port}/test/portability/browser.html`, { timeout: 10_000 });
      await page.waitForFunction('globalThis.__smoke !== undefined', undefined, { timeout: 10_000 });
      smoke = (await page.evaluate('globalThis.__smoke')) as Smoke;
    } catch (e) {
      throw new Error(`${(e as Error).message}\npage log:\n${log.join('\n')}`);
    } finally {
      await page.close();
    }
    expect(smoke.error, log.join('\n')).toBeUndefined();
    expect(smoke.ok).toBe(true);

    // Threads need a cross-origin-isolated page (SharedArrayBuffer, shared wasm memory).
    expect(smoke.crossOriginIsolated).toBe(true);
    expect(smoke.sharedArrayBuffer).toBe(true);
    expect(smoke.threads).toBe(2);
    expect(workers).toBe(1); // the caller is the other thread
    expect(smoke.parallelJobs).toBeGreaterThan(0);

    setBackend('ref');
    const node = gradW([2, 3, 12, 12], [4, 3, 3, 3], 1, 2);
    expect(smoke.ref).toHaveLength(node.length);
    // Bit for bit: compare the float32 patterns, not just the values.
    expect(bits(smoke.ref)).toEqual(bits(node));
    expect(smoke.ref).toEqual(node);
    // wasm accumulates in float32 blocks, ref in float64: sums of 2*144 products of N(0,1) terms
    expect(smoke.wasm).toHaveLength(node.length);
    for (let i = 0; i < node.length; i++) expect(Math.abs(smoke.wasm[i] - node[i])).toBeLessThan(1e-4 * (1 + Math.abs(node[i])));
    // The larger case ran (partly) on the worker, with the same tolerance.
    const nodeLarge = gradW([2, 16, 32, 32], [8, 16, 3, 3], 3, 4);
    expect(smoke.wasmLarge).toHaveLength(nodeLarge.length);
    for (let i = 0; i < nodeLarge.length; i++) expect(Math.abs(smoke.wasmLarge[i] - nodeLarge[i])).toBeLessThan(1e-4 * (1 + Math.abs(nodeLarge[i])));
  }, 30_000);
});
