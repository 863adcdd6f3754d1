// Smoke test of the benchmark harness behind `resshift-ts bench`, on tiny sizes (not a timing).

import { beforeAll, describe, expect, it } from 'vitest';
import { BENCH_CASES, countFlop } from '../../src/cli/bench-cases.js';
import { loadTorch } from '../../src/cli/bench-engines.js';
import { runBench, selectCases } from '../../src/cli/bench-run.js';
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

  it('counts the sampling case as exactly 15 UNet forwards of matmul and convolution work', async () => {
    setBackend('wasm');
    const flopOf = async (name: string) => {
      const body = BENCH_CASES.find((c) => c.name === name)!.setup(0.125);
      try {
        return await countFlop(body.run);
      } finally {
        body.dispose();
      }
    };
    // the asynchronous sampler awaits one read per step: the counter must see all 15 steps
    const forward = await flopOf('unet-fwd-256');
    expect(forward).toBeGreaterThan(0);
    expect(await flopOf('unet-sample-256')).toBe(15 * forward);
    setBackend('ref');
  }, 60000);

  it('runs the batch-8 256x256 training step only when it is named', () => {
    expect(selectCases().map((c) => c.name)).not.toContain('unet-train-b8-256');
    expect(selectCases().map((c) => c.name)).toContain('unet-sample-256');
    expect(selectCases(['unet-train-b8-256']).map((c) => c.name)).toEqual(['unet-train-b8-256']);
  });

  it('runs PyTorch where python3 has it, and says what to install where it does not', async () => {
    const torch = await loadTorch(1, process.cwd());
    if (typeof torch === 'string') {
      expect(torch).toMatch(/apt install python3-torch/);
      return;
    }
    const t = await torch.measure!('matmul-1024', 1);
    if (typeof t === 'string') throw new Error(t);
    expect(t.runs).toBe(1);
    expect(t.median).toBeGreaterThan(0);
    expect(torch.detail).toMatch(/^PyTorch \d/);
    expect(await torch.measure!('no-such-case', 1)).toBe('no PyTorch version of this case');
  }, 60000);
});
