// `npm run bench`: every case on ref, wasm (1 thread and all cores), tfjs-wasm and
// onnxruntime-web, one table, and the results as bench/results/<date>.json. Not part of the tests.
//
//   npm run bench -- [case names...] [--fma]
//
// --fma times wasm with the fused multiply-add build (rows labelled wasm-fma).
//
// ref is the float64 oracle (about 1 GFLOP/s): it runs one iteration, and the UNet cases on a
// smaller crop; the table says so. The ORT row needs bench/.cache/unet-64-256.onnx, written by
// `/usr/bin/python3 bench/export-onnx.py 256`; without it the row is skipped with a note.

import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_HEADER, printReport, runBench } from '../src/cli/bench-run.js';

async function main(): Promise<void> {
  const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
  const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const fma = process.argv.includes('--fma');
  // rows on stderr as they finish; the table once on stdout at the end
  console.error(BENCH_HEADER);
  const report = await runBench({
    only,
    backends: ['ref', 'wasm'],
    threads: availableParallelism(),
    fma,
    singleThread: true,
    compare: true,
    scale: 1,
    iterations: 5,
    root,
    log: (s) => console.error(s),
  });
  printReport(report, (s) => console.log(s));
  const dir = join(root, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${report.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ ...report, simd: true, relaxedSimd: fma }, null, 2) + '\n');
  console.log(`\nwrote ${file.slice(root.length + 1)}`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
