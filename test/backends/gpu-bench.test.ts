// `bench --backend gpu` on a tiny case (WebGPU on SwiftShader): the row is there, names the
// GPU.js kernel class that ran, and counts the case's FLOPs. Timings are not asserted.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { runBench } from '../../src/cli/bench-run.js';
import { setBackend } from '../../src/tensor/index.js';
import { gpuSkipReason, setupGpu } from './gpu-support.js';

const reason = gpuSkipReason();

describe.skipIf(reason)(`bench on the gpu backend${reason ? ` (skipped: ${reason})` : ''}`, () => {
  beforeAll(async () => {
    await setupGpu();
  });

  it('times a 64x64 matmul on the gpu and names the kernel class', async () => {
    const lines: string[] = [];
    const report = await runBench({
      only: ['matmul-1024'],
      backends: ['gpu'],
      threads: 1,
      singleThread: false,
      compare: false,
      scale: 0.0625,
      iterations: 2,
      root: process.cwd(),
      log: (s) => lines.push(s),
    });
    setBackend('ref');
    expect(report.results).toHaveLength(1);
    const [row] = report.results;
    expect(row).toMatchObject({ name: 'matmul-1024', backend: 'gpu', kernelClass: 'WebGPUKernel', scale: 0.0625 });
    expect(row.medianMs).toBeGreaterThan(0);
    // a 64^3 matmul is 2 * 64^3 FLOP, counted on the gpu kernels
    expect(row.gflops! * row.medianMs * 1e6).toBeCloseTo(2 * 64 ** 3, -2);
    expect(lines[0]).toMatch(/^matmul-1024\s+gpu\s+1 .*\[GPU\.js WebGPUKernel\]$/);
    expect(report.notes).toContainEqual(expect.stringMatching(/^gpu: webgpu \(GPU\.js WebGPUKernel/));
  });

  it.skipIf(!existsSync('dist/cli/main.js'))('resshift-ts bench --backend gpu --json (the built CLI)', () => {
    const r = spawnSync(process.execPath, ['bin/resshift-ts.js', 'bench', '--backend', 'gpu', '--only', 'conv3x3-64-fwd', '--scale', '0.125', '--iterations', '1', '--json'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout) as { results: { name: string; backend: string; kernelClass?: string; gflops: number }[]; notes: string[] };
    expect(rep.results).toEqual([expect.objectContaining({ name: 'conv3x3-64-fwd', backend: 'gpu', kernelClass: 'WebGPUKernel' })]);
    expect(rep.results[0].gflops).toBeGreaterThan(0);
    expect(rep.notes).toContainEqual(expect.stringMatching(/^gpu: webgpu \(GPU\.js WebGPUKernel/));
  });
});
