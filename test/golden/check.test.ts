import { describe, expect, test } from 'vitest';
import { casePassed, checkGoldenCase, runGoldenCase, tolerances, worstCheck, type HostTensor } from '../../src/golden/index.js';
import { DualDomainUNet } from '../../src/resshift/model.js';
import { Rng } from '../../src/tensor/rng.js';
import { host, makeCase } from './support.js';

const m = (entries: [string, HostTensor][]) => new Map(entries);

describe('checkGoldenCase', () => {
  const expected = m([
    ['input', host([2], [1, 2])],
    ['grad_output', host([2], [1, 1])],
    ['output', host([2], [1, 2])],
    ['grad.input', host([2], [1, 1])],
  ]);

  test('skips given tensors and compares every expected one', () => {
    const checks = checkGoldenCase(expected, m([['output', host([2], [1, 2])], ['grad.input', host([2], [1, 1])], ['extra', host([1], [0])]]), 'relu');
    expect(checks.map((c) => c.name)).toEqual(['output', 'grad.input']);
    expect(casePassed(checks)).toBe(true);
  });

  test('a missing, reshaped or NaN result fails', () => {
    const missing = checkGoldenCase(expected, m([['output', host([2], [1, 2])]]), 'relu');
    expect(missing.find((c) => c.name === 'grad.input')).toMatchObject({ pass: false, reason: 'not computed', maxAbs: Infinity });
    const reshaped = checkGoldenCase(expected, m([['output', host([1, 2], [1, 2])], ['grad.input', host([2], [1, 1])]]), 'relu');
    expect(reshaped[0]).toMatchObject({ pass: false, reason: expect.stringMatching(/shape/) });
    const nan = checkGoldenCase(expected, m([['output', host([2], [1, NaN])], ['grad.input', host([2], [1, 1])]]), 'relu');
    expect(nan[0].pass).toBe(false);
    expect(casePassed(nan)).toBe(false);
  });

  test('the single-op rule is atol 1e-5 + rtol 1e-4 of the largest expected magnitude', () => {
    const e = m([['output', host([3], [100, 0, 0])], ['grad.input', host([1], [0])]]);
    const ok = checkGoldenCase(e, m([['output', host([3], [100, 0.0100099, 0])], ['grad.input', host([1], [0])]]), 'relu');
    expect(ok[0].pass).toBe(true);
    expect(ok[0].allowed).toBeCloseTo(1e-5 + 1e-2, 12);
    const bad = checkGoldenCase(e, m([['output', host([3], [100, 0.0102, 0])], ['grad.input', host([1], [0])]]), 'relu');
    expect(bad[0].pass).toBe(false);
    expect(worstCheck([...ok, ...bad])).toBe(bad[0]);
  });

  test('a non-finite expected value must be matched exactly and does not widen the tolerance', () => {
    const e = m([['output', host([3], [Infinity, 2, 0])], ['grad.input', host([1], [0])]]);
    const exact = checkGoldenCase(e, m([['output', host([3], [Infinity, 2, 0])], ['grad.input', host([1], [0])]]), 'relu');
    expect(casePassed(exact)).toBe(true);
    // the scale is max|e| over the finite values (2), not Infinity
    expect(exact[0].allowed).toBeCloseTo(1e-5 + 2e-4, 12);
    const finite = checkGoldenCase(e, m([['output', host([3], [1e30, 2, 0])], ['grad.input', host([1], [0])]]), 'relu');
    expect(finite[0]).toMatchObject({ pass: false, reason: '1 of 3 elements off' });
    const other = checkGoldenCase(e, m([['output', host([3], [Infinity, 5, 0])], ['grad.input', host([1], [0])]]), 'relu');
    expect(other[0].pass).toBe(false);
    const wrongSign = checkGoldenCase(e, m([['output', host([3], [-Infinity, 2, 0])], ['grad.input', host([1], [0])]]), 'relu');
    expect(wrongSign[0].pass).toBe(false);
    const n = m([['output', host([2], [NaN, 1])], ['grad.input', host([1], [0])]]);
    expect(checkGoldenCase(n, m([['output', host([2], [NaN, 1])], ['grad.input', host([1], [0])]]), 'relu')[0].pass).toBe(true);
    expect(checkGoldenCase(n, m([['output', host([2], [7, 1])], ['grad.input', host([1], [0])]]), 'relu')[0].pass).toBe(false);
  });

  test('optional tensors may be left out; nothing compared is not a pass', () => {
    const e = m([['t', host([1], [1])], ['freqs', host([1], [1])], ['output', host([1, 4], [0, 0, 1, 1])]]);
    const checks = checkGoldenCase(e, m([['output', host([1, 4], [0, 0, 1, 1])]]), 'sinusoidal_time_embedding');
    expect(checks.map((c) => c.name)).toEqual(['output']);
    expect(checks[0].tolerance).toBe(tolerances.HIGH_FREQ_TRIG);
    expect(casePassed([])).toBe(false);
  });

  test('optimizer tensors use their own tolerances', () => {
    const e = m([['p0.param.step1', host([1], [1])], ['p0.exp_avg.step1', host([1], [1e-3])], ['lr', host([1], [1e-4])]]);
    const checks = checkGoldenCase(e, new Map(), 'adam');
    expect(checks.map((c) => c.tolerance)).toEqual([tolerances.ADAM_PARAM, tolerances.ADAM_MOMENT, tolerances.SINGLE_OP]);
    expect(checkGoldenCase(m([['lr', host([1], [1e-4])]]), new Map(), 'cosine_annealing_lr')[0].tolerance).toBe(tolerances.LEARNING_RATE);
  });
});

describe('runGoldenCase', () => {
  test('reports unreadable input and unknown backends as errors', async () => {
    expect(await runGoldenCase(new Uint8Array([1, 2, 3]))).toMatchObject({ status: 'error', reason: expect.stringMatching(/safetensors/) });
    const relu = makeCase('relu', {}, { input: host([1], [1]), grad_output: host([1], [1]) });
    expect(await runGoldenCase(relu, { backend: 'no-such-backend' })).toMatchObject({ status: 'error', reason: expect.stringMatching(/unknown backend/) });
    const noOp = new Uint8Array(relu);
    expect((await runGoldenCase(makeCase('relu', {}, {}))).status).toBe('error'); // no given tensors
    expect(noOp.length).toBeGreaterThan(8);
  });

  test('sizes set by arguments are refused at once when the case file cannot hold them', async () => {
    const quick = async (bytes: Uint8Array) => {
      const t0 = performance.now();
      const r = await runGoldenCase(bytes);
      return { ...r, ms: performance.now() - t0 };
    };
    // the schedule allocates T + 1 entries per tensor and loops T times
    const sched = await quick(makeCase('eta_schedule', { T: 1e9 }, { eta: host([16], new Array(16).fill(0)) }));
    expect(sched).toMatchObject({ status: 'error', reason: expect.stringMatching(/eta \[1000000001\] would hold 1000000001 elements, more than the 1048576/) });
    expect(sched.ms).toBeLessThan(1000);
    // within the case's budget but beyond the schedule's bound
    const big = await quick(makeCase('eta_schedule', { T: 1e5 }, {}));
    expect(big).toMatchObject({ status: 'error', reason: expect.stringMatching(/T must be an integer in 2\.\.10000/) });
    const pos = await quick(makeCase('fourier_pos_enc_2d', { H: 20000, W: 20000, n_freqs: 6 }, { output: host([1], [0]) }));
    expect(pos).toMatchObject({ status: 'error', reason: expect.stringMatching(/^output \[1, 24, 20000, 20000\] would hold/) });
    const emb = await quick(makeCase('sinusoidal_time_embedding', { dim: 1e9 }, { t: host([2], [1, 2]) }));
    expect(emb).toMatchObject({ status: 'error', reason: expect.stringMatching(/^output \[2, 1000000000\] would hold/) });
    const conv = await quick(makeCase('conv2d', { padding: 100000 }, { input: host([1, 1, 1, 1], [1]), weight: host([1, 1, 1, 1], [1]), grad_output: host([1, 1, 1, 1], [1]) }));
    expect(conv).toMatchObject({ status: 'error', reason: expect.stringMatching(/^output \[1, 1, 200001, 200001\] would hold/) });
    const pool = await quick(makeCase('avg_pool2d', { kernel_size: 1, stride: 1, padding: 100000 }, { input: host([1, 1, 1, 1], [1]), grad_output: host([1, 1, 1, 1], [1]) }));
    expect(pool).toMatchObject({ status: 'error', reason: expect.stringMatching(/^output \[1, 1, 200001, 200001\] would hold/) });
    const interp = await quick(makeCase('interpolate', { mode: 'bilinear', size: [100000, 100000] }, { input: host([1, 1, 1, 1], [1]), grad_output: host([1, 1, 1, 1], [1]) }));
    expect(interp).toMatchObject({ status: 'error', reason: expect.stringMatching(/^output \[1, 1, 100000, 100000\] would hold/) });
    for (const r of [pos, emb, conv, pool, interp]) expect(r.ms).toBeLessThan(1000);
  });

  test('a model case whose widths do not fit its state dict is refused before the model is built', async () => {
    const small = new DualDomainUNet({ baseChannels: 4 }, { rng: new Rng(1) });
    const state = Object.fromEntries(small.stateDict().map(([n, t]) => [n, { shape: [...t.shape], data: t.dataSync() }]));
    small.dispose();
    const t0 = performance.now();
    const r = await runGoldenCase(makeCase('dual_domain_unet', { base_channels: 3000, batch: 1, H: 8, W: 8 }, state));
    expect(r).toMatchObject({ status: 'error', reason: expect.stringMatching(/^state dict does not fit the model: wrong shape time_mlp\.3\.weight \[4, 512\] \(model \[3000, 512\]\)/) });
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  test('a case missing a given tensor is an error, not a pass', async () => {
    const r = await runGoldenCase(makeCase('relu', {}, { input: host([2], [1, -1]) }));
    expect(r).toMatchObject({ status: 'error', reason: expect.stringMatching(/grad_output/) });
    expect(r.outputs.size).toBe(0);
  });
});
