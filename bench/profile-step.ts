// Where does a training step's time go? Wraps every wasm kernel with a timer, runs a few UNet
// training steps and prints time per op (and per conv shape), largest first.
//
//   npx tsc -p bench/tsconfig.json && node build/bench/bench/profile-step.js \
//     [--threads N] [--batch 4] [--size 64] [--steps 3] [--forward | --sample] [--width 64] [--no-winograd]
//
// --sample profiles the 15-step sampling of one size x size tile (unet-sample-256 at --size 256);
// a "step" is then the whole 15-step sampling.

import { performance } from 'node:perf_hooks';
import { getKernel, kernelNames, registerKernel } from '../src/backends/registry.js';
import type { Kernel } from '../src/backends/types.js';
import { initWasmBackend } from '../src/backends/wasm/index.js';
import { setWinograd } from '../src/backends/wasm/kernels/winograd.js';
import { unetForward, unetSample, unetTrainStep } from '../src/cli/bench-cases.js';
import { setBackend } from '../src/tensor/index.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

interface Stat {
  ms: number;
  calls: number;
}
const stats = new Map<string, Stat>();
let depth = 0;

/** Convolutions are keyed by shape too: the same op costs very differently at 1x1 and 3x3. */
function key(op: string, ins: readonly { shape: readonly number[] }[], outs: readonly { shape: readonly number[] }[]): string {
  const s = (t: { shape: readonly number[] }) => `[${t.shape.join(',')}]`;
  if (op.startsWith('conv2d')) return `${op} ${ins.map(s).join(' ')} -> ${outs.map(s).join(' ')}`;
  if (op === 'matmul') return `${op} ${ins.map(s).join(' x ')}`;
  return op;
}

function instrument(): void {
  for (const op of kernelNames('wasm')) {
    const k = getKernel('wasm', op)!;
    registerKernel('wasm', op, ((ins, outs, attrs) => {
      // A kernel may call others through the registry (a fallback, a composite): only the
      // outermost call counts, so the per-op times add up to the time spent in kernels.
      if (depth > 0) return (k as Kernel)(ins, outs, attrs);
      depth++;
      const t0 = performance.now();
      let r;
      try {
        r = (k as Kernel)(ins, outs, attrs);
      } finally {
        depth--;
      }
      const dt = performance.now() - t0;
      for (const name of new Set([op, key(op, ins, outs)])) {
        const st = stats.get(name) ?? { ms: 0, calls: 0 };
        st.ms += dt;
        st.calls++;
        stats.set(name, st);
      }
      return r;
    }) as Kernel);
  }
}

async function main(): Promise<void> {
  const threads = arg('threads', 2), batch = arg('batch', 4), size = arg('size', 64), steps = arg('steps', 3);
  const forward = process.argv.includes('--forward');
  const sampling = process.argv.includes('--sample');
  const width = arg('width', 64);
  setWinograd(!process.argv.includes('--no-winograd'));
  await initWasmBackend({ threads });
  setBackend('wasm');
  const body = sampling ? unetSample(size, width) : forward ? unetForward(size, width) : unetTrainStep(batch, size, width);
  await body.run();
  instrument();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await body.run();
  const total = (performance.now() - t0) / steps;
  body.dispose();
  const rows = [...stats.entries()].map(([k, v]) => ({ k, ms: v.ms / steps, calls: v.calls / steps }));
  const inKernels = rows.filter((r) => !r.k.includes(' ')).reduce((p, r) => p + r.ms, 0);
  const what = sampling ? `15-step sampling 1x${size}x${size}` : forward ? `forward 1x${size}x${size}` : `train step b${batch} ${size}x${size}`;
  console.log(`${what}, width ${width}, ${threads} threads: ${total.toFixed(1)} ms per step, ` +
    `${inKernels.toFixed(1)} ms summed over kernel calls (the rest: graph, allocation, JS)`);
  console.log('\nper op:');
  for (const r of rows.filter((r) => !r.k.includes(' ')).sort((a, b) => b.ms - a.ms)) {
    console.log(`  ${r.k.padEnd(22)} ${r.ms.toFixed(1).padStart(8)} ms ${((100 * r.ms) / total).toFixed(1).padStart(5)}%  ${r.calls} calls`);
  }
  console.log('\nper shape (matmul and convolutions, > 1% of the step):');
  for (const r of rows.filter((r) => r.k.includes(' ') && r.ms > total / 100).sort((a, b) => b.ms - a.ms)) {
    console.log(`  ${r.ms.toFixed(1).padStart(8)} ms ${String(r.calls).padStart(3)}x  ${r.k}`);
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
