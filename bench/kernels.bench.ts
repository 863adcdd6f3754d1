// Kernel benchmarks, ref vs wasm (1 thread and all threads) on the same inputs.
// `npm run bench` prints a table and writes bench/results/<date>.json. Not part of the tests.
//
// ref is the plain-TS oracle and is slow (about 1 GFLOP/s), so it runs the same sizes with a
// couple of iterations only; its rows say so in the `iterations` column.

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { initWasmBackend, wasmThreads } from '../src/backends/wasm/index.js';
import {
  conv2d, conv2dGradInput, conv2dGradWeight, matmul, noGrad, Rng, setBackend, tensor, type Tensor,
} from '../src/tensor/index.js';

interface Row {
  name: string;
  backend: string;
  threads: number;
  iterations: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  gflops: number;
}

const rows: Row[] = [];

function random(shape: number[], seed: number): Float32Array {
  return new Rng(seed, 1).fillUniform(new Float32Array(shape.reduce((p, d) => p * d, 1)), -1, 1);
}

async function measure(name: string, backend: string, flop: number, fn: () => void, iterations: number): Promise<void> {
  const bench = new Bench({ iterations, time: 0, warmupIterations: 1, warmupTime: 0 });
  bench.add(name, fn);
  await bench.run();
  const r = bench.tasks[0].result;
  if (r.state !== 'completed') throw new Error(`${name}: ${r.state}`);
  const threads = backend === 'ref' ? 1 : wasmThreads();
  rows.push({
    name, backend, threads, iterations: bench.tasks[0].runs,
    medianMs: r.latency.p50, minMs: r.latency.min, maxMs: r.latency.max, gflops: flop / (r.latency.p50 * 1e6),
  });
  const row = rows[rows.length - 1];
  console.log(`${name.padEnd(20)} ${backend.padEnd(5)} ${String(threads).padStart(2)} thr  median ${row.medianMs.toFixed(1).padStart(8)} ms  ` +
    `(${row.minMs.toFixed(1)}-${row.maxMs.toFixed(1)})  ${row.gflops.toFixed(2).padStart(7)} GFLOP/s  [${row.iterations} it]`);
}

interface Case {
  name: string;
  flop: number;
  /** Makes inputs on the current backend, returns the timed body and a cleanup. */
  setup(): { run: () => void; dispose: () => void };
}

function disposeAll(ts: Tensor[]) {
  for (const t of ts) t.dispose();
}

const cases: Case[] = [
  {
    name: 'matmul-1024',
    flop: 2 * 1024 ** 3,
    setup() {
      const a = tensor(random([1024, 1024], 1), [1024, 1024]);
      const b = tensor(random([1024, 1024], 2), [1024, 1024]);
      return { run: () => noGrad(() => matmul(a, b).dispose()), dispose: () => disposeAll([a, b]) };
    },
  },
  {
    name: 'conv3x3-64-fwd',
    flop: 2 * 8 * 64 * 64 * 64 * 64 * 9,
    setup() {
      const x = tensor(random([8, 64, 64, 64], 3), [8, 64, 64, 64]);
      const w = tensor(random([64, 64, 3, 3], 4), [64, 64, 3, 3]);
      return { run: () => noGrad(() => conv2d(x, w, null, { padding: 1 }).dispose()), dispose: () => disposeAll([x, w]) };
    },
  },
  {
    name: 'conv3x3-64-fwdbwd',
    flop: 3 * 2 * 8 * 64 * 64 * 64 * 64 * 9,
    setup() {
      const x = tensor(random([8, 64, 64, 64], 3), [8, 64, 64, 64]);
      const w = tensor(random([64, 64, 3, 3], 4), [64, 64, 3, 3]);
      const g = tensor(random([8, 64, 64, 64], 5), [8, 64, 64, 64]);
      const a = { stride: [1, 1], padding: [1, 1] } as const;
      return {
        run: () =>
          noGrad(() => {
            conv2d(x, w, null, { padding: 1 }).dispose();
            conv2dGradInput(g, w, a, [8, 64, 64, 64]).dispose();
            conv2dGradWeight(x, g, a, [3, 3]).dispose();
          }),
        dispose: () => disposeAll([x, w, g]),
      };
    },
  },
  {
    name: 'conv1x1-128-fwd',
    flop: 2 * 8 * 32 * 32 * 128 * 128,
    setup() {
      const x = tensor(random([8, 128, 32, 32], 6), [8, 128, 32, 32]);
      const w = tensor(random([128, 128, 1, 1], 7), [128, 128, 1, 1]);
      return { run: () => noGrad(() => conv2d(x, w).dispose()), dispose: () => disposeAll([x, w]) };
    },
  },
];

async function main() {
  const only = process.argv.slice(2);
  const selected = cases.filter((c) => !only.length || only.includes(c.name));
  const cores = cpus().length;
  await initWasmBackend({ threads: cores });
  for (const c of selected) {
    for (const [backend, threads, iterations] of [['ref', 1, 2], ['wasm', 1, 5], ['wasm', cores, 10]] as const) {
      if (backend === 'wasm') await initWasmBackend({ threads });
      setBackend(backend);
      const { run, dispose } = c.setup();
      await measure(c.name, backend, c.flop, run, iterations);
      dispose();
    }
  }
  setBackend('ref');
  console.log('\nname                 backend threads  median ms      min-max ms  GFLOP/s  vs ref');
  for (const r of rows) {
    const ref = rows.find((q) => q.name === r.name && q.backend === 'ref');
    const ratio = ref ? (ref.medianMs / r.medianMs).toFixed(1) + 'x' : '';
    console.log(`${r.name.padEnd(20)} ${r.backend.padEnd(7)} ${String(r.threads).padStart(7)} ${r.medianMs.toFixed(1).padStart(10)} ${`${r.minMs.toFixed(1)}-${r.maxMs.toFixed(1)}`.padStart(15)} ${r.gflops.toFixed(2).padStart(8)} ${ratio.padStart(7)}`);
  }
  const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
  const dir = join(root, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const info = {
    date: new Date().toISOString(),
    runtime: `node ${process.version} (v8 ${process.versions.v8})`,
    cpu: { model: cpus()[0]?.model, cores },
    simd: true,
    relaxedSimd: false,
    note: 'ref runs 2 iterations per case (it is the slow float64 oracle); wasm 5 (1 thread) and 10 (all threads)',
    results: rows,
  };
  writeFileSync(file, JSON.stringify(info, null, 2) + '\n');
  console.log(`\nwrote ${file.slice(root.length + 1)}`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
