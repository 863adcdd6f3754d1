// The benchmark harness behind `resshift-ts bench` and `npm run bench`: times every selected
// case on our backends and on the comparison engines that can load, then prints one table.

import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setBackend } from '../tensor/index.js';
import { BENCH_CASES, countFlop, type BenchBody, type BenchCase } from './bench-cases.js';
import { loadOrt, loadTfjs, loadTorch, type Engine } from './bench-engines.js';
import { selectBackend } from './common.js';
import type { GpuBackend } from '../backends/gpu/index.js';
import { getBackend } from '../backends/registry.js';

export interface BenchRow {
  name: string;
  backend: string;
  threads: number;
  iterations: number;
  /** Workload scale (1: the case as named; less: a smaller size, for the slow ref backend). */
  scale: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  gflops: number | null;
  vsRef?: number;
  vsTfjs?: number;
  vsOrt?: number;
  vsTorch?: number;
  /** gpu rows: the GPU.js kernel class that ran the case (e.g. WebGPUKernel). */
  kernelClass?: string;
}

export interface BenchOptions {
  only?: string[];
  /** Our backends to run: 'ref', 'wasm' (1 thread and `threads`), 'gpu'. */
  backends: string[];
  threads: number;
  /** GPU.js mode of the gpu backend (default webgpu). */
  gpuMode?: string;
  /** wasm runs the fused multiply-add build (its rows are labelled wasm-fma). */
  fma?: boolean;
  /** Also time wasm on one thread (thread scaling). */
  singleThread: boolean;
  /** Load tfjs-wasm, onnxruntime-web and PyTorch when installed. */
  compare: boolean;
  /** Shrinks every case (smoke tests); ref always runs reduced sizes of the UNet cases. */
  scale: number;
  iterations: number;
  root: string;
  log: (line: string) => void;
}

export interface BenchReport {
  date: string;
  runtime: string;
  cpu: { model: string; cores: number };
  loadBefore: number[];
  loadAfter: number[];
  notes: string[];
  /** What each comparison engine is (version, BLAS). */
  engines: Record<string, string>;
  /** wasm rows ran the fused multiply-add build (relaxed SIMD). */
  fma: boolean;
  results: BenchRow[];
}

/** The backend column of wasm rows timed with the fused multiply-add build. */
const WASM_FMA = 'wasm-fma';

/** ref runs about 1 GFLOP/s: the UNet cases run on a smaller crop there (GFLOP/s compared). */
const REF_SCALE: Record<string, number> = {
  'unet-train-b4-64': 0.25, 'unet-train-b8-128': 0.125, 'unet-train-b8-256': 0.0625, 'unet-fwd-256': 0.25, 'unet-sample-256': 0.125, 'unet-sample-256-w32': 0.125,
};

interface TinyBench {
  add(name: string, fn: () => unknown): void;
  run(): Promise<unknown>;
  tasks: { runs: number; result: { state: string; latency: { p50?: number; min: number; max: number } } }[];
}

/** Median of `iterations` runs after one warm-up; tinybench where installed (a devDependency). */
async function time(body: BenchBody, iterations: number): Promise<{ median: number; min: number; max: number; runs: number }> {
  const spec = 'tinybench';
  const tb = await (import(spec) as Promise<{ Bench: new (o: object) => TinyBench }>).catch(() => null);
  if (!tb) {
    await body.run();
    const ts: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const t0 = performance.now();
      await body.run();
      ts.push(performance.now() - t0);
    }
    ts.sort((a, b) => a - b);
    const mid = ts.length >> 1;
    return { median: ts.length % 2 ? ts[mid] : (ts[mid - 1] + ts[mid]) / 2, min: ts[0], max: ts[ts.length - 1], runs: ts.length };
  }
  const bench = new tb.Bench({ iterations, time: 0, warmupIterations: 1, warmupTime: 0 });
  bench.add('case', body.run);
  await bench.run();
  const r = bench.tasks[0].result;
  if (r.state !== 'completed') throw new Error(`benchmark ${r.state}: ${String((r as { error?: unknown }).error)}`);
  return { median: r.latency.p50!, min: r.latency.min, max: r.latency.max, runs: bench.tasks[0].runs };
}

/**
 * A body whose iteration ends when the GPU has finished its work: the kernels are only queued by
 * run(), so the iteration also waits for a one-element readback queued after them (GPU queues
 * run in order, and a readback resolves once the work before it is done).
 */
function untilGpuDone(be: GpuBackend, body: BenchBody): BenchBody {
  const probe = be.alloc(1, 'float32');
  be.write(probe, [0]);
  return {
    run: async () => {
      await body.run();
      await be.read(probe);
      await be.flush(); // a kernel that failed fails the case, not a later one
    },
    dispose: () => {
      be.free(probe);
      body.dispose();
    },
  };
}

function fmt(r: BenchRow): string {
  const x = (v?: number) => (v === undefined ? '' : `${v.toFixed(v < 10 ? 2 : 1)}x`);
  return [
    r.name.padEnd(19), r.backend.padEnd(9), String(r.threads).padStart(3), r.medianMs.toFixed(1).padStart(10),
    `${r.minMs.toFixed(1)}-${r.maxMs.toFixed(1)}`.padStart(17), (r.gflops === null ? '' : r.gflops.toFixed(1)).padStart(7),
    x(r.vsRef).padStart(8), x(r.vsTfjs).padStart(8), x(r.vsOrt).padStart(7), x(r.vsTorch).padStart(9), r.scale === 1 ? '' : ` (scale ${r.scale})`,
    r.kernelClass ? ` [GPU.js ${r.kernelClass}]` : '',
  ].join(' ');
}

/** The cases a run times: those named, else every case that does not wait to be named. */
export function selectCases(only?: readonly string[]): BenchCase[] {
  return BENCH_CASES.filter((c) => (only?.length ? only.includes(c.name) : !c.onlyWhenNamed));
}

export async function runBench(o: BenchOptions): Promise<BenchReport> {
  const selected = selectCases(o.only);
  const notes: string[] = [];
  const rows: BenchRow[] = [];
  const loadBefore = loadavg();
  const engines: Engine[] = [];
  if (o.compare) {
    for (const load of [() => loadTfjs(o.threads), () => loadOrt(o.threads, o.root), () => loadTorch(o.threads, o.root)]) {
      const e = await load();
      if (typeof e === 'string') notes.push(e);
      else engines.push(e);
    }
  }
  const flopAt = new Map<string, number>();
  const flopOf = async (c: BenchCase, scale: number, body: BenchBody) => {
    const key = `${c.name}@${scale}`;
    if (c.flop !== null && scale === 1) return c.flop;
    if (!flopAt.has(key)) flopAt.set(key, await countFlop(body.run));
    return flopAt.get(key)!;
  };
  const add = (row: BenchRow) => {
    rows.push(row);
    o.log(fmt(row));
  };
  for (const c of selected) {
    const plan: [string, number][] = [];
    for (const b of o.backends) {
      if (b === 'wasm' && o.singleThread && o.threads > 1) plan.push(['wasm', 1]);
      plan.push([b, b === 'wasm' ? o.threads : 1]); // ref and gpu: one host thread
    }
    for (const [backend, threads] of plan) {
      await selectBackend(backend, backend === 'wasm' ? { threads, fma: o.fma } : backend === 'gpu' ? { gpuMode: o.gpuMode } : {});
      const scale = o.scale * (backend === 'ref' ? (REF_SCALE[c.name] ?? 1) : 1);
      const gpu = backend === 'gpu' ? (getBackend('gpu') as GpuBackend) : null;
      const made = c.setup(scale);
      const body = gpu ? untilGpuDone(gpu, made) : made;
      try {
        const flop = await flopOf(c, scale, made); // counted as the kernels are called (no GPU wait)
        const t = await time(body, backend === 'ref' ? 1 : o.iterations);
        const label = backend === 'wasm' && o.fma ? WASM_FMA : backend;
        const row: BenchRow = { name: c.name, backend: label, threads, iterations: t.runs, scale, medianMs: t.median, minMs: t.min, maxMs: t.max, gflops: flop / (t.median * 1e6) };
        if (gpu) {
          row.kernelClass = gpu.rt.kernelClass;
          const device = `gpu: ${gpu.describe()}`;
          if (!notes.includes(device)) notes.push(device);
        }
        add(row);
      } finally {
        body.dispose();
      }
    }
    setBackend('ref');
    for (const e of engines) {
      if (o.scale !== 1) continue;
      const flop = flopAt.get(`${c.name}@1`) ?? c.flop;
      if (e.measure) {
        const t = await e.measure(c.name, o.iterations);
        if (typeof t === 'string') notes.push(`${c.name}: ${e.name}: ${t}`);
        else add({ name: c.name, backend: e.name, threads: e.threads, iterations: t.runs, scale: 1, medianMs: t.median, minMs: t.min, maxMs: t.max, gflops: flop ? flop / (t.median * 1e6) : null });
        continue;
      }
      const body = await e.setup(c.name);
      if (typeof body === 'string') {
        notes.push(`${c.name}: ${e.name}: ${body}`);
        continue;
      }
      try {
        const t = await time(body, o.iterations);
        add({ name: c.name, backend: e.name, threads: e.threads, iterations: t.runs, scale: 1, medianMs: t.median, minMs: t.min, maxMs: t.max, gflops: flop ? flop / (t.median * 1e6) : null });
      } finally {
        body.dispose();
      }
    }
  }
  for (const r of rows) {
    const same = (b: string) => rows.find((q) => q.name === r.name && q.backend === b);
    const ref = same('ref');
    const ours = r.backend === 'wasm' || r.backend === WASM_FMA;
    if (ref && r !== ref && (ours || r.backend === 'gpu')) {
      r.vsRef = ref.scale === r.scale ? ref.medianMs / r.medianMs : ref.gflops && r.gflops ? r.gflops / ref.gflops : undefined;
    }
    if (!ours) continue;
    const tf = same('tfjs-wasm'), ort = same('ort-wasm'), torch = same('torch');
    if (tf) r.vsTfjs = tf.medianMs / r.medianMs;
    if (ort) r.vsOrt = ort.medianMs / r.medianMs;
    // < 1: PyTorch is faster (the ratio the targets are stated in is its inverse)
    if (torch) r.vsTorch = torch.medianMs / r.medianMs;
  }
  if (rows.some((r) => r.backend === 'ref' && r.scale !== o.scale)) {
    notes.push(`ref runs 1 iteration, and the UNet cases on smaller crops (scale = side length factor); its ratio compares GFLOP/s`);
  }
  return {
    date: new Date().toISOString(),
    runtime: `node ${process.version} (v8 ${process.versions.v8})`,
    cpu: { model: cpus()[0]?.model ?? 'unknown', cores: cpus().length },
    loadBefore,
    loadAfter: loadavg(),
    notes,
    engines: Object.fromEntries(engines.map((e) => [e.name, e.detail ?? ''])),
    fma: o.fma ?? false,
    results: rows,
  };
}

export const BENCH_HEADER =
  'name                backend   thr  median ms       min-max ms GFLOP/s   vs ref  vs tfjs  vs ort  vs torch';

export function printReport(r: BenchReport, log: (s: string) => void): void {
  log(`${r.cpu.model}, ${r.cpu.cores} cores, ${r.runtime}; load average ${r.loadBefore.map((v) => v.toFixed(2)).join(' ')} before, ${r.loadAfter.map((v) => v.toFixed(2)).join(' ')} after`);
  for (const [name, detail] of Object.entries(r.engines)) if (detail) log(`${name}: ${detail}`);
  log('ratios: how many times faster our row is than ref, tfjs-wasm, onnxruntime-web and PyTorch on the same case (below 1: slower)\n');
  log(BENCH_HEADER);
  for (const row of r.results) log(fmt(row));
  for (const n of r.notes) log(`note: ${n}`);
}
