// Smoke test of the benchmark harness behind `resshift-ts bench`, on tiny sizes (not a timing).

import { beforeAll, describe, expect, it } from 'vitest';
import { runBench } from '../../src/cli/bench-run.js';
import { setBackend } from '../../src/tensor/index.js';
import { setupWasm } from './wasm-support.js';

beforeAll(async () => {
  await setupWasm(2);
});

describe('bench harness', () => {
  it('times the cases on wasm at a tiny scale and counts their FLOPs', async () => {
    const lines: string[] = [];
    const report = await runBench({
      only: ['matmul-1024', 'unet-train-b4-64'],
      backends: ['wasm'],
      threads: 2,
      singleThread: true,
      compare: false,
      scale: 0.125,
      iterations: 1,
      root: process.cwd(),
      log: (s) => lines.push(s),
    });
    setBackend('ref');
    expect(report.results.map((r) => `${r.name}/${r.threads}`)).toEqual(['matmul-1024/1', 'matmul-1024/2', 'unet-train-b4-64/1', 'unet-train-b4-64/2']);
    for (const r of report.results) {
      expect(r.medianMs).toBeGreaterThan(0);
      expect(r.gflops).toBeGreaterThan(0);
      expect(r.scale).toBe(0.125);
    }
    // a 128^3 matmul is 2 * 128^3 FLOP
    expect(report.results[0].gflops! * report.results[0].medianMs * 1e6).toBeCloseTo(2 * 128 ** 3, -3);
    expect(lines).toHaveLength(4);
    expect(JSON.parse(JSON.stringify(report)).results).toHaveLength(4);
  }, 20000);
});
