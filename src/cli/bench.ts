import type { Command } from 'commander';
import { availableParallelism } from 'node:os';
import { BENCH_CASES } from './bench-cases.js';
import { FMA_HELP, GPU_MODE_HELP, InputError, positiveInt, threadsOption } from './common.js';
import { emitEvent } from './outputs.js';
import { err } from './printable.js';

interface BenchCliOptions {
  fma?: boolean;
  only?: string[];
  backend: string;
  gpuMode?: string;
  threads?: string;
  json?: boolean;
  scale: string;
  iterations: string;
}

export function addBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('time matmul, 3x3 convolutions and the UNet (training step, forward, 15-step sampling) on this machine')
    .option('--only <name...>', `cases to run: ${BENCH_CASES.map((c) => c.name).join(', ')}`)
    .option('--backend <name>', 'ref, wasm, gpu, or all (ref and wasm; wasm is timed on one thread and on --threads)', 'wasm')
    .option('--gpu-mode <mode>', GPU_MODE_HELP)
    .option('--threads <n>', 'wasm threads, at most twice the cores (default: all cores)')
    .option('--fma', `${FMA_HELP} (rows say wasm-fma)`)
    .option('--json', 'print the results as JSON instead of a table')
    .option('--scale <f>', 'shrink every case by this side-length factor (quick runs)', '1')
    .option('--iterations <n>', 'timed iterations per case', '5')
    .action(async (opts: BenchCliOptions) => {
      try {
        const unknown = (opts.only ?? []).filter((n) => !BENCH_CASES.some((c) => c.name === n));
        if (unknown.length) throw new InputError(`unknown case ${unknown.join(', ')} (cases: ${BENCH_CASES.map((c) => c.name).join(', ')})`);
        if (!['ref', 'wasm', 'gpu', 'all'].includes(opts.backend)) throw new InputError(`--backend must be ref, wasm, gpu or all, got ${opts.backend}`);
        if (opts.gpuMode !== undefined && opts.backend !== 'gpu') throw new InputError(`--gpu-mode applies to --backend gpu only, not --backend ${opts.backend}`);
        if (opts.fma && opts.backend !== 'wasm') throw new InputError(`--fma applies to --backend wasm only, not --backend ${opts.backend}`);
        const scale = Number(opts.scale);
        if (!(scale > 0 && scale <= 1)) throw new InputError(`--scale must be in (0, 1], got ${opts.scale}`);
        const threads = threadsOption(opts.threads, availableParallelism())!;
        // loaded here: the harness pulls in the benchmark workloads and optional engines
        const { BENCH_HEADER, printReport, runBench } = await import('./bench-run.js');
        // rows are shown on stderr as they finish; stdout gets the finished table once, so a
        // redirected or piped stdout holds one table (it held the rows twice before)
        const progress = opts.json ? () => {} : (s: string) => console.error(s);
        progress(BENCH_HEADER);
        const report = await runBench({
          only: opts.only,
          backends: opts.backend === 'all' ? ['ref', 'wasm'] : [opts.backend],
          threads,
          gpuMode: opts.gpuMode,
          fma: opts.fma ?? false,
          singleThread: true,
          compare: true,
          scale,
          iterations: positiveInt('iterations', opts.iterations),
          root: process.cwd(),
          log: progress,
        });
        if (opts.json) console.log(JSON.stringify(report, null, 2));
        else printReport(report, (s) => console.log(s));
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        // under --json the refusal is an event too, as in the other commands
        if (opts.json) emitEvent('error', { command: 'bench', message: e.message, exitCode: 2 });
        err(`resshift-ts: ${e.message}`);
        process.exitCode = 2;
      }
    });
}
