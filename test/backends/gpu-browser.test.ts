// The gpu backend in a real browser (Debian's Chromium, headless, whose WebGL2 and WebGPU run on
// SwiftShader), loaded from the built package with GPU.js's browser build: a kernel for every op
// runs in each mode the browser offers ('webgl2' always; 'webgpu' where an adapter answers) and
// is checked in Node against the reference kernel under the backend's tolerance table. In
// 'webgl2' and 'webgpu' every public PyTorch golden case (the whole model included) then runs on
// the gpu backend in the page and is checked in Node against the case's expected tensors.

import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { casePassed, checkGoldenCase, type HostTensor } from '../../src/golden/index.js';
import { GOLDEN_DIR, publicCaseFiles, readCase } from '../golden/support.js';
import { HOST_ONLY_GOLDEN_OPS } from '../support/backends.js';
import { convOutSize } from '../../src/backends/shapes.js';
import { adamAllowances, GPU_TOLERANCE } from '../../src/backends/gpu/tolerance.js';
import { resizeTaps } from '../../src/backends/resize-taps.js';
import type { Attrs, Shape } from '../../src/backends/types.js';
import { getOp, kernelNames, Rng } from '../../src/tensor/index.js';
import { abs, busiestTaps, type CheckOpts, expectMatchesRef, expectWithin, randomInput, runOn } from './gpu-support.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const here = fileURLToPath(new URL('./', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const GPUJS = join(root, 'node_modules/gpu.js/dist/gpu-browser.js');
const missing = [
  [CHROMIUM, 'apt-get install -y chromium'],
  [join(root, 'node_modules/playwright-core'), 'npm install'],
  [GPUJS, 'npm install gpu.js'],
  [join(root, 'dist/backends/gpu/index.js'), 'npm run build'],
].filter(([path]) => !existsSync(path));
const reason = missing.length ? ` (skipped: missing ${missing.map(([p, fix]) => `${p}; ${fix}`).join(', ')})` : '';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.safetensors': 'application/octet-stream',
};
const goldenFiles = existsSync(GOLDEN_DIR) ? publicCaseFiles() : [];

/** dist/ as is, GPU.js's browser build, the gpu-browser* files of this folder and /golden/<public case>. */
function resolvePath(urlPath: string): string | null {
  let p: string;
  try {
    p = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (p.includes('\0')) return null;
  if (p.startsWith('/golden/')) return goldenFiles.includes(p.slice('/golden/'.length)) ? join(root, GOLDEN_DIR, p.slice('/golden/'.length)) : null;
  const file = normalize(join(root, p));
  if (file.startsWith(join(root, 'dist') + sep) || file === GPUJS) return file;
  if (file.startsWith(here) && /^gpu-browser\.(html|mjs)$/.test(file.slice(here.length))) return file;
  return null;
}

function startServer(): Promise<Server> {
  const server = createServer((req, res) => {
    const file = req.method === 'GET' ? resolvePath(new URL(req.url ?? '/', 'http://x').pathname) : null;
    const type = file ? MIME[extname(file)] : undefined;
    if (!file || !type || !existsSync(file)) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    const body = readFileSync(file);
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length, 'Cache-Control': 'no-store' }).end(body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

interface Case {
  op: string;
  inputs: Float32Array[];
  shapes: Shape[];
  attrs: Attrs;
  opts?: CheckOpts;
  inPlace?: boolean;
}

/** One or more cases per op, each with what makes that kernel non-trivial. */
function cases(): Case[] {
  const rng = new Rng(51);
  const r = (shape: Shape, lo = -1, hi = 1) => randomInput(rng, shape, lo, hi);
  const q = (shape: Shape) => r(shape, -2, 2).map((v) => Math.round(v * 4) / 4); // ties
  const out: Case[] = [];
  const ranges: Record<string, [number, number]> = { exp: [-4, 4], log: [0.01, 8], sqrt: [0, 8], sin: [-40, 40], cos: [-40, 40], erf: [-5, 5] };
  for (const op of ['neg', 'exp', 'log', 'sqrt', 'abs', 'sign', 'relu', 'sin', 'cos', 'erf']) {
    const [lo, hi] = ranges[op] ?? [-3, 3];
    out.push({ op, inputs: [r([3, 37], lo, hi)], shapes: [[3, 37]], attrs: {} });
  }
  out.push({ op: 'add', inputs: [r([4, 1, 5]), r([3, 1])], shapes: [[4, 1, 5], [3, 1]], attrs: {} });
  out.push({ op: 'sub', inputs: [r([2, 3, 4, 5]), r([5])], shapes: [[2, 3, 4, 5], [5]], attrs: {} });
  out.push({ op: 'mul', inputs: [r([6, 1]), r([1, 7])], shapes: [[6, 1], [1, 7]], attrs: {} });
  out.push({ op: 'div', inputs: [r([3, 37]), r([37], 0.25, 2)], shapes: [[3, 37], [37]], attrs: {} });
  out.push({ op: 'reluGrad', inputs: [r([4, 1, 5]), q([3, 1])], shapes: [[4, 1, 5], [3, 1]], attrs: {} });
  out.push({ op: 'compare', inputs: [q([4, 1, 5]), q([3, 1])], shapes: [[4, 1, 5], [3, 1]], attrs: { cmp: 'ge' } });
  const x = r([5, 33], -3, 3);
  out.push({ op: 'affine', inputs: [x], shapes: [[5, 33]], attrs: { scale: -3.7, shift: 1e-3 }, opts: { n: 3, magnitudeFrom: { inputs: [abs(x)], attrs: { scale: 3.7, shift: 1e-3 } } } });
  out.push({ op: 'compareScalar', inputs: [q([5, 33])], shapes: [[5, 33]], attrs: { cmp: 'lt', value: 0.25 } });
  out.push({ op: 'clamp', inputs: [x], shapes: [[5, 33]], attrs: { min: -1, max: 0.5 } });
  for (const [shape, axes] of [[[3, 4, 5], [0, 2]], [[70000], [0]]] as [number[], number[]][]) {
    const s = r(shape);
    out.push({ op: 'sum', inputs: [s], shapes: [shape], attrs: { axes, keepDims: false }, opts: { n: axes.reduce((p, a) => p * shape[a], 1), magnitudeFrom: { inputs: [abs(s)] } } });
  }
  out.push({ op: 'extremum', inputs: [q([4, 70, 9])], shapes: [[4, 70, 9]], attrs: { axes: [0, 2], keepDims: false, kind: 'max' } });
  out.push({ op: 'extremumMask', inputs: [q([600, 3])], shapes: [[600, 3]], attrs: { axes: [0], kind: 'min' } });
  // two identity gathers of 512 elements (one source text) from inputs of 512 and 1536
  // elements: GL kernels bake the input's texture size, so they must not share a kernel
  out.push({ op: 'expand', inputs: [r([512])], shapes: [[512]], attrs: { shape: [512] } });
  out.push({ op: 'slice', inputs: [r([3, 512])], shapes: [[3, 512]], attrs: { begin: [0, 0], end: [1, 512] } });
  out.push({ op: 'permute', inputs: [r([2, 3, 4, 5])], shapes: [[2, 3, 4, 5]], attrs: { perm: [3, 1, 2, 0] } });
  out.push({ op: 'expand', inputs: [r([3, 1, 5])], shapes: [[3, 1, 5]], attrs: { shape: [2, 3, 4, 5] } });
  out.push({ op: 'slice', inputs: [r([3, 7, 9])], shapes: [[3, 7, 9]], attrs: { begin: [1, 2, 3], end: [3, 5, 8] } });
  out.push({ op: 'split', inputs: [r([2, 3, 4, 5])], shapes: [[2, 3, 4, 5]], attrs: { axis: 2, sizes: [1, 0, 3] } });
  out.push({ op: 'pad', inputs: [r([2, 5, 6])], shapes: [[2, 5, 6]], attrs: { pads: [[0, 0], [1, 2], [3, 0]], value: -1.5 } });
  const parts = [[2, 2, 1], [2, 2, 3], [2, 2, 2], [2, 2, 5], [2, 2, 1]];
  out.push({ op: 'concat', inputs: parts.map((s) => r(s)), shapes: parts, attrs: { axis: 2 } });
  const [a, b] = [r([2, 3, 9, 7]), r([7, 5])];
  out.push({ op: 'matmul', inputs: [a, b], shapes: [[2, 3, 9, 7], [7, 5]], attrs: { transA: false, transB: false }, opts: { n: 7, magnitudeFrom: { inputs: [abs(a), abs(b)] } } });
  const [at, bt] = [r([53, 37]), r([29, 53])];
  out.push({ op: 'matmul', inputs: [at, bt], shapes: [[53, 37], [29, 53]], attrs: { transA: true, transB: true }, opts: { n: 53, magnitudeFrom: { inputs: [abs(at), abs(bt)] } } });
  for (const c of [
    { n: 2, c: 5, h: 13, w: 10, o: 7, k: [3, 3], stride: [2, 2], pad: [1, 1] },
    { n: 2, c: 4, h: 40, w: 36, o: 3, k: [1, 1], stride: [1, 1], pad: [0, 0] }, // weight gradient in row chunks
  ]) {
    const ho = convOutSize(c.h, c.k[0], c.stride[0], c.pad[0]), wo = convOutSize(c.w, c.k[1], c.stride[1], c.pad[1]);
    const xs = [c.n, c.c, c.h, c.w], ws = [c.o, c.c, ...c.k], gs = [c.n, c.o, ho, wo];
    const base = { stride: c.stride, padding: c.pad };
    const [cx, cw, cg, cb] = [r(xs), r(ws), r(gs), r([c.o])];
    out.push({ op: 'conv2d', inputs: [cx, cw, cb], shapes: [xs, ws, [c.o]], attrs: base, opts: { n: c.c * c.k[0] * c.k[1] + 1, magnitudeFrom: { inputs: [abs(cx), abs(cw), abs(cb)] } } });
    out.push({ op: 'conv2dGradInput', inputs: [cg, cw], shapes: [gs, ws], attrs: { ...base, inputShape: xs }, opts: { n: c.o * c.k[0] * c.k[1], magnitudeFrom: { inputs: [abs(cg), abs(cw)] } } });
    out.push({ op: 'conv2dGradWeight', inputs: [cx, cg], shapes: [xs, gs], attrs: { ...base, kernelSize: c.k }, opts: { n: c.n * ho * wo, magnitudeFrom: { inputs: [abs(cx), abs(cg)] } } });
  }
  const px = q([1, 2, 9, 7]), pg = r([1, 2, 5, 4]);
  const pool = { kernel: [3, 3], stride: [2, 2], padding: [1, 1] };
  out.push({ op: 'maxPool2d', inputs: [px], shapes: [[1, 2, 9, 7]], attrs: pool });
  out.push({ op: 'maxPool2dGrad', inputs: [px, pg], shapes: [[1, 2, 9, 7], [1, 2, 5, 4]], attrs: pool, opts: { n: 4, magnitudeFrom: { inputs: [px, abs(pg)] } } });
  const avg = { ...pool, countIncludePad: true };
  out.push({ op: 'avgPool2d', inputs: [px], shapes: [[1, 2, 9, 7]], attrs: avg, opts: { n: 9, magnitudeFrom: { inputs: [abs(px)] } } });
  out.push({ op: 'avgPool2dGrad', inputs: [pg], shapes: [[1, 2, 5, 4]], attrs: { ...avg, inputShape: [1, 2, 9, 7] }, opts: { n: 9, magnitudeFrom: { inputs: [abs(pg)] } } });
  const rx = r([2, 3, 5, 7]), rg = r([2, 3, 20, 28]);
  const resize = { size: [20, 28], alignCorners: false, ratio: [null, null] };
  out.push({ op: 'resizeBilinear', inputs: [rx], shapes: [[2, 3, 5, 7]], attrs: resize, opts: { n: 6, magnitudeFrom: { inputs: [abs(rx)] } } });
  const { rows, cols } = resizeTaps({ planes: 1, H: 5, W: 7, oh: 20, ow: 28 }, resize as never);
  const taps = busiestTaps(rows, 5) * busiestTaps(cols, 7);
  out.push({ op: 'resizeBilinearGrad', inputs: [rg], shapes: [[2, 3, 20, 28]], attrs: { ...resize, inputSize: [5, 7] }, opts: { n: 5 + taps, magnitudeFrom: { inputs: [abs(rg)] } } });
  // Haar: M from a 2x2 box sum of |x| (haar2d) / of |bands| (ihaar2d), upper bounds: max |x| * 2
  const hx = r([2, 3, 8, 6]), hy = r([2, 3, 4, 4, 3]);
  out.push({ op: 'haar2d', inputs: [hx], shapes: [[2, 3, 8, 6]], attrs: {}, opts: { n: 8, magnitude: new Float32Array(2 * 3 * 4 * 4 * 3).fill(2) } });
  out.push({ op: 'ihaar2d', inputs: [hy], shapes: [[2, 3, 4, 4, 3]], attrs: {}, opts: { n: 10, magnitude: new Float32Array(2 * 3 * 8 * 6).fill(2) } });
  const n = 300;
  out.push({ op: 'adamStep', inputs: [r([n]), r([n], -0.1, 0.1), r([n], 0, 0.01), r([n])], shapes: [[n], [n], [n], [n]], attrs: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, step: 3 }, inPlace: true });
  return out;
}

interface PageRun {
  results: number[][][];
  kernelClass: string;
  live: number;
}

describe.skipIf(missing.length > 0)(`gpu backend in Chromium${reason}`, () => {
  let server: Server | undefined;
  let browser: import('playwright-core').Browser | undefined;
  let page: import('playwright-core').Page | undefined;
  const log: string[] = [];

  beforeAll(async () => {
    server = await startServer();
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      timeout: 60_000, // a software GPU on a busy machine starts slowly
      args: ['--headless=new', '--no-sandbox', '--enable-unsafe-webgpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 90_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server!.close(() => resolve()));
    }
  }, 10_000);

  /** A fresh page with the backend started in `mode`; null when the browser cannot run it. */
  async function open(mode: string): Promise<string | null> {
    const { port } = server!.address() as AddressInfo;
    page = await browser!.newPage();
    page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
    // generous: a hundred modules, one request each, and GPU.js's 1 MB browser build
    await page.goto(`http://127.0.0.1:${port}/test/backends/gpu-browser.html`, { timeout: 90_000 });
    await page.waitForFunction('globalThis.__gpuReady === true', undefined, { timeout: 90_000 });
    if (mode === 'webgpu' && !(await page.evaluate('(async () => !!(navigator.gpu && await navigator.gpu.requestAdapter()))()'))) return null;
    return (await page.evaluate(`globalThis.__gpuInit(${JSON.stringify(mode)})`)) as string;
  }

  async function runAll(mode: string, kernelClass: string) {
    const all = cases();
    expect(new Set(all.map((c) => c.op))).toEqual(new Set(kernelNames('ref').filter((op) => !getOp(op).decomposition)));
    const payload = all.map((c) => ({ op: c.op, inputs: c.inputs.map((d) => Array.from(d)), shapes: c.shapes, attrs: c.attrs, inPlace: !!c.inPlace }));
    const run = (await page!.evaluate(`globalThis.__gpuRun(${JSON.stringify(payload)})`)) as PageRun;
    expect(run.kernelClass, `${mode}: the GPU.js kernel class that ran`).toBe(kernelClass);
    expect(run.live).toBe(0);
    for (let i = 0; i < all.length; i++) {
      const c = all[i];
      const got = run.results[i].map((v) => Float32Array.from(v));
      if (c.inPlace) {
        const ref = await runOn('ref', c.op, c.inputs, c.shapes, c.attrs, true);
        const [, m, v, g] = c.inputs;
        const allow = adamAllowances(c.attrs as unknown as Parameters<typeof adamAllowances>[0], { m, v, g }, { p: ref[0], m: ref[1], v: ref[2] });
        expectWithin(got[0], ref[0], allow.p, `${mode} adam p`);
        expectWithin(got[1], ref[1], allow.m, `${mode} adam m`);
        expectWithin(got[2], ref[2], allow.v, `${mode} adam v`);
        continue;
      }
      if (got.length > 1) {
        // several outputs (split): data movement, every output exact
        expect(GPU_TOLERANCE[c.op].kind).toBe('exact');
        const ref = await runOn('ref', c.op, c.inputs, c.shapes, c.attrs);
        got.forEach((o, k) => expect([...o], `${mode} ${c.op} output ${k}`).toEqual([...ref[k]]));
        continue;
      }
      await expectMatchesRef(c.op, c.inputs, c.shapes, c.attrs, got[0], c.opts);
    }
  }

  /**
   * One kernel run at several sizes with its own last result as input: GPU.js's immutable GL
   * kernels then recycled a texture of the previous size (GpuRuntime.resizable).
   */
  async function addChains(mode: string) {
    const wrong = await page!.evaluate('globalThis.__gpuAddChains([576, 720, 576, 1000])');
    expect(wrong, `${mode}: wrong elements per size`).toEqual([0, 0, 0, 0]);
  }

  /** Every public golden case on the page's gpu backend, checked here against its expected tensors. */
  async function runGolden(mode: string, kernelClass: string) {
    expect(goldenFiles.length, `${GOLDEN_DIR}: the public golden cases`).toBeGreaterThanOrEqual(42);
    const run = (await page!.evaluate(`globalThis.__gpuGolden(${JSON.stringify(goldenFiles)})`)) as {
      cases: { name: string; status: string; reason?: string; outputs: [string, number[], number[]][]; dispatches: number; kernelClass: string }[];
    };
    expect(run.cases.map((c) => c.name)).toEqual(goldenFiles);
    const failed: string[] = [];
    for (const c of run.cases) {
      const gc = readCase(c.name);
      if (c.status !== 'ok') {
        failed.push(`${c.name}: ${c.status} ${c.reason}`);
        continue;
      }
      // kernels of the mode's class ran the case (none for the schedule cases, computed on the host)
      expect(c.kernelClass, `${mode} ${c.name}: the GPU.js kernel class that ran`).toBe(kernelClass);
      if (HOST_ONLY_GOLDEN_OPS.includes(gc.op)) expect(c.dispatches, `${mode} ${c.name}`).toBe(0);
      else expect(c.dispatches, `${mode} ${c.name}: GPU.js kernels dispatched`).toBeGreaterThan(0);
      const outputs = new Map<string, HostTensor>(c.outputs.map(([n, shape, data]) => [n, { shape, data: Float32Array.from(data) }]));
      const checks = checkGoldenCase(gc.tensors, outputs, gc.op);
      for (const k of checks) if (!k.pass) failed.push(`${c.name} ${k.name}: ${k.maxAbs} > ${k.allowed} ${k.reason ?? ''}`);
      if (!casePassed(checks)) failed.push(`${c.name}: not passed`);
    }
    // (no live-buffer count here: the DCT bases stay cached on the backend by design)
    if (failed.length) expect.fail(`${mode}: ${failed.length} golden checks failed:\n${failed.join("\n")}`);
  }

  /**
   * Runs a test's body against the page, then closes it; a failure carries the page's log (the
   * same error object, so a skip stays a skip).
   */
  async function inPage(body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (e) {
      if (e instanceof Error) e.message += `\npage log:\n${log.join('\n')}`;
      throw e;
    } finally {
      await page?.close();
    }
  }

  it('webgl2: every op matches ref, and every public golden case passes (the whole model included)', () => inPage(async () => {
    const described = await open('webgl2');
    expect(described).toMatch(/^webgl2 \(GPU\.js WebGL2Kernel/);
    await runAll('webgl2', 'WebGL2Kernel');
    await addChains('webgl2');
    await runGolden('webgl2', 'WebGL2Kernel');
  }), 300_000);

  it('webgl2: a broadcast add into 2^24 * 1.5 elements, every element right; one element past the texture limit is refused', () => inPage(async () => {
    await open('webgl2');
    const W = 1677721; // 5 * 3 * W = 25165815 elements
    const r = (await page!.evaluate(`globalThis.__gpuLargeAdd(5, 3, ${W})`)) as { n: number; wrong: number; maxElements: number; refusal: string; kernelClass: string };
    expect(r.kernelClass).toBe('WebGL2Kernel');
    expect(r.n).toBe(15 * W);
    expect(r.wrong, `element ${r.wrong}`).toBe(-1);
    // the limit is the result texture's (a value a texel): (MAX_TEXTURE_SIZE - 2)^2
    expect(Math.sqrt(r.maxElements) + 2).toSatisfy((side: number) => Number.isInteger(side) && side >= 4096);
    expect(r.refusal).toBe(`gpu backend: a tensor of ${r.maxElements + 1} elements exceeds ${r.maxElements}, the values one webgl2 result texture holds here (a value a texel, MAX_TEXTURE_SIZE ${Math.sqrt(r.maxElements) + 2})`);
  }), 300_000);

  it('webgl (WebGL 1, the GLSL that headlessgl also runs): every op matches ref', () => inPage(async () => {
    const described = await open('webgl');
    expect(described).toMatch(/^webgl \(GPU\.js WebGLKernel/);
    await runAll('webgl', 'WebGLKernel');
    await addChains('webgl');
  }), 300_000);

  it('webgpu (where the browser has an adapter): every op matches ref, and every public golden case passes', (ctx) => inPage(async () => {
    const described = await open('webgpu');
    if (described === null) ctx.skip('this Chromium gives no WebGPU adapter (navigator.gpu.requestAdapter() is null)');
    expect(described).toMatch(/^webgpu \(GPU\.js WebGPUKernel/);
    await runAll('webgpu', 'WebGPUKernel');
    await addChains('webgpu');
    await runGolden('webgpu', 'WebGPUKernel');
  }), 300_000);
});
