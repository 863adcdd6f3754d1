import { describe, expect, test } from 'vitest';
import { Rng } from '../../src/tensor/index.js';
import {
  adamRef, applySeparable, bilinearMatrix, conv2dRef, dctBasis, etaClosedForm, localAmplitudeRef, numericGrad, pool2dRef, transpose,
} from './reference.js';
import { expectPasses, makeCase, statusOf } from './support.js';

// The runner must follow each case's arguments and shapes, not the public set's. These cases use
// other shapes and settings; their expected values come from the float64 loops in reference.ts.
// expectPasses runs each case on every test backend (test/support/backends.ts), the gpu included.

const rng = new Rng(20240611, 3);
const f32 = (n: number, lo = -1, hi = 1) => rng.fillUniform(new Float32Array(n), lo, hi);
const gauss = (n: number, std = 1) => rng.fillNormal(new Float32Array(n), 0, std);
const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);

describe('conv2d', () => {
  const cases: [string, number[], number[], number[], number[], boolean][] = [
    ['5x5 stride 2 padding 2 with bias', [2, 3, 11, 9], [4, 3, 5, 5], [2, 2], [2, 2], true],
    ['3x5 stride [2,1] padding [0,2] no bias', [1, 2, 7, 8], [3, 2, 3, 5], [2, 1], [0, 2], false],
  ];
  for (const [title, xs, ws, stride, padding, bias] of cases) {
    test(title, async () => {
      const x = gauss(numel(xs));
      const w = gauss(numel(ws), 0.3);
      const b = bias ? gauss(ws[0], 0.1) : null;
      const probe = conv2dRef(x, xs, w, ws, b, stride, padding, new Float64Array(0));
      const go = gauss(numel(probe.outShape));
      const r = conv2dRef(x, xs, w, ws, b, stride, padding, go);
      const t: Record<string, { shape: number[]; data: ArrayLike<number> }> = {
        input: { shape: xs, data: x }, weight: { shape: ws, data: w }, grad_output: { shape: r.outShape, data: go },
        output: { shape: r.outShape, data: r.out }, 'grad.input': { shape: xs, data: r.gx }, 'grad.weight': { shape: ws, data: r.gw },
      };
      if (b) Object.assign(t, { bias: { shape: [ws[0]], data: b }, 'grad.bias': { shape: [ws[0]], data: r.gb } });
      await expectPasses(makeCase('conv2d', { stride, padding, dilation: 1, groups: 1, kernel_size: [ws[2], ws[3]], bias }, t));
    });
  }

  test('dilation, groups and unknown arguments are unsupported, never passed', async () => {
    const t = { input: { shape: [1, 2, 5, 5], data: f32(50) }, weight: { shape: [2, 2, 3, 3], data: f32(36) }, grad_output: { shape: [1, 2, 1, 1], data: [1, 1] } };
    for (const args of [{ dilation: 2 }, { groups: 2 }, { dilation: [1, 2] }, { padding_mode: 'reflect' }, { padding: 'same' }, { bias: false, transposed: true }]) {
      const s = await statusOf(makeCase('conv2d', args, t));
      expect(s.status, JSON.stringify(args)).toBe('unsupported');
      expect(s.reason).toBeTruthy();
    }
  });
});

test('linear on a 3-D input', async () => {
  const xs = [2, 3, 5];
  const x = gauss(30);
  const w = gauss(20, 0.5);
  const b = gauss(4);
  const go = gauss(24);
  const out = new Float64Array(24);
  const gx = new Float64Array(30);
  const gw = new Float64Array(20);
  const gb = new Float64Array(4);
  for (let r = 0; r < 6; r++)
    for (let o = 0; o < 4; o++) {
      let s = b[o];
      const g = go[r * 4 + o];
      gb[o] += g;
      for (let i = 0; i < 5; i++) {
        s += x[r * 5 + i] * w[o * 5 + i];
        gx[r * 5 + i] += g * w[o * 5 + i];
        gw[o * 5 + i] += g * x[r * 5 + i];
      }
      out[r * 4 + o] = s;
    }
  await expectPasses(makeCase('linear', { bias: true, in_features: 5, out_features: 4 }, {
    input: { shape: xs, data: x }, weight: { shape: [4, 5], data: w }, bias: { shape: [4], data: b }, grad_output: { shape: [2, 3, 4], data: go },
    output: { shape: [2, 3, 4], data: out }, 'grad.input': { shape: xs, data: gx }, 'grad.weight': { shape: [4, 5], data: gw }, 'grad.bias': { shape: [4], data: gb },
  }));
});

describe('interpolate (bilinear)', () => {
  const cases: [string, number[], number, boolean][] = [
    ['scale 0.5 on odd sizes', [1, 2, 9, 7], 0.5, false],
    ['scale 0.25 on odd sizes', [2, 1, 11, 13], 0.25, false],
    ['x2 align_corners', [1, 2, 3, 5], 2, true],
    ['x2 without align_corners', [1, 1, 4, 3], 2, false],
    ['x3 align_corners', [1, 1, 2, 4], 3, true],
  ];
  for (const [title, xs, sf, ac] of cases) {
    test(title, async () => {
      const [B, C, H, W] = xs;
      const Ho = Math.floor(H * sf);
      const Wo = Math.floor(W * sf);
      const Ah = bilinearMatrix(H, Ho, ac, ac ? null : sf);
      const Aw = bilinearMatrix(W, Wo, ac, ac ? null : sf);
      const x = gauss(numel(xs));
      const go = gauss(B * C * Ho * Wo);
      const out = applySeparable(x, B * C, H, W, Ah, Ho, Aw, Wo);
      const gx = applySeparable(go, B * C, Ho, Wo, transpose(Ah, Ho, H), H, transpose(Aw, Wo, W), W);
      await expectPasses(makeCase('interpolate', { mode: 'bilinear', scale_factor: sf, align_corners: ac, recompute_scale_factor: null, antialias: false }, {
        input: { shape: xs, data: x }, grad_output: { shape: [B, C, Ho, Wo], data: go }, output: { shape: [B, C, Ho, Wo], data: out }, 'grad.input': { shape: xs, data: gx },
      }));
    });
  }

  test('other modes and antialiasing are unsupported', async () => {
    const t = { input: { shape: [1, 1, 4, 4], data: f32(16) }, grad_output: { shape: [1, 1, 2, 2], data: f32(4) } };
    for (const args of [{ mode: 'nearest', scale_factor: 0.5 }, { mode: 'bicubic', scale_factor: 0.5 }, { mode: 'bilinear', scale_factor: 0.5, antialias: true }]) {
      expect((await statusOf(makeCase('interpolate', args, t))).status, JSON.stringify(args)).toBe('unsupported');
    }
  });
});

describe('pooling', () => {
  test('max_pool2d 3x3 stride 2 padding 1', async () => {
    const xs = [1, 2, 7, 6];
    const x = Float32Array.from(f32(numel(xs)), (v) => Math.round(v * 3)); // ties
    const probe = pool2dRef('max', x, xs, [3, 3], [2, 2], [1, 1], true, new Float64Array(0));
    const go = gauss(numel(probe.outShape));
    const r = pool2dRef('max', x, xs, [3, 3], [2, 2], [1, 1], true, go);
    await expectPasses(makeCase('max_pool2d', { kernel_size: 3, stride: 2, padding: 1, ceil_mode: false }, {
      input: { shape: xs, data: x }, grad_output: { shape: r.outShape, data: go }, output: { shape: r.outShape, data: r.out }, 'grad.input': { shape: xs, data: r.gx },
    }));
  });

  for (const countIncludePad of [true, false]) {
    test(`avg_pool2d 4x3 stride [3,2] padding [2,1] count_include_pad=${countIncludePad}`, async () => {
      const xs = [2, 1, 9, 8];
      const x = gauss(numel(xs));
      const probe = pool2dRef('avg', x, xs, [4, 3], [3, 2], [2, 1], countIncludePad, new Float64Array(0));
      const go = gauss(numel(probe.outShape));
      const r = pool2dRef('avg', x, xs, [4, 3], [3, 2], [2, 1], countIncludePad, go);
      await expectPasses(makeCase('avg_pool2d', { kernel_size: [4, 3], stride: [3, 2], padding: [2, 1], count_include_pad: countIncludePad, ceil_mode: false, divisor_override: null }, {
        input: { shape: xs, data: x }, grad_output: { shape: r.outShape, data: go }, output: { shape: r.outShape, data: r.out }, 'grad.input': { shape: xs, data: r.gx },
      }));
    });
  }

  test('ceil_mode, divisor_override and dilation are unsupported', async () => {
    const t = { input: { shape: [1, 1, 4, 4], data: f32(16) }, grad_output: { shape: [1, 1, 2, 2], data: f32(4) } };
    expect((await statusOf(makeCase('max_pool2d', { kernel_size: 2, ceil_mode: true }, t))).status).toBe('unsupported');
    expect((await statusOf(makeCase('max_pool2d', { kernel_size: 2, dilation: 2 }, t))).status).toBe('unsupported');
    expect((await statusOf(makeCase('avg_pool2d', { kernel_size: 2, divisor_override: 3 }, t))).status).toBe('unsupported');
  });
});

test('dct_2d and idct_2d of other sizes', async () => {
  for (const [op, xs] of [['dct_2d', [1, 1, 5, 8]], ['idct_2d', [2, 6, 3]]] as [string, number[]][]) {
    const [H, W] = xs.slice(-2);
    const planes = numel(xs) / (H * W);
    const CH = dctBasis(H);
    const CW = dctBasis(W);
    const fwd = (v: ArrayLike<number>) => applySeparable(v, planes, H, W, CH, H, CW, W);
    const inv = (v: ArrayLike<number>) => applySeparable(v, planes, H, W, transpose(CH, H, H), H, transpose(CW, W, W), W);
    const x = gauss(numel(xs));
    const go = gauss(numel(xs));
    const [out, gx] = op === 'dct_2d' ? [fwd(x), inv(go)] : [inv(x), fwd(go)];
    await expectPasses(makeCase(op, { norm: 'ortho', type: 2, dims: [-2, -1] }, {
      input: { shape: [...xs], data: x }, grad_output: { shape: [...xs], data: go }, output: { shape: [...xs], data: out }, 'grad.input': { shape: [...xs], data: gx },
    }));
  }
  const t = { input: { shape: [1, 4, 4], data: f32(16) }, grad_output: { shape: [1, 4, 4], data: f32(16) } };
  expect((await statusOf(makeCase('dct_2d', { norm: null, type: 2 }, t))).status).toBe('unsupported');
  expect((await statusOf(makeCase('dct_2d', { norm: 'ortho', type: 3 }, t))).status).toBe('unsupported');
});

test('haar_dwt of a non-square input', async () => {
  const xs = [1, 2, 4, 6];
  const [, C, H, W] = xs;
  const x = gauss(numel(xs));
  const h = H / 2;
  const w = W / 2;
  const yl = new Float64Array(C * h * w);
  const yh = new Float64Array(C * 3 * h * w);
  const gl = gauss(yl.length);
  const gh = gauss(yh.length);
  const gx = new Float64Array(x.length);
  for (let c = 0; c < C; c++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++) {
        const at = (di: number, dj: number) => (c * H + 2 * i + di) * W + 2 * j + dj;
        const [a, b, cc, d] = [x[at(0, 0)], x[at(0, 1)], x[at(1, 0)], x[at(1, 1)]];
        const o = (c * h + i) * w + j;
        const band = (k: number) => ((c * 3 + k) * h + i) * w + j;
        yl[o] = (a + b + cc + d) / 2;
        yh[band(0)] = (a + b - cc - d) / 2;
        yh[band(1)] = (a - b + cc - d) / 2;
        yh[band(2)] = (a - b - cc + d) / 2;
        const [L, b0, b1, b2] = [gl[o], gh[band(0)], gh[band(1)], gh[band(2)]];
        gx[at(0, 0)] = (L + b0 + b1 + b2) / 2;
        gx[at(0, 1)] = (L + b0 - b1 - b2) / 2;
        gx[at(1, 0)] = (L - b0 + b1 - b2) / 2;
        gx[at(1, 1)] = (L - b0 - b1 + b2) / 2;
      }
  await expectPasses(makeCase('haar_dwt', { J: 1, wave: 'haar', mode: 'reflect' }, {
    input: { shape: xs, data: x }, 'grad_output.yl': { shape: [1, C, h, w], data: gl }, 'grad_output.yh': { shape: [1, C, 3, h, w], data: gh },
    'output.yl': { shape: [1, C, h, w], data: yl }, 'output.yh': { shape: [1, C, 3, h, w], data: yh }, 'grad.input': { shape: xs, data: gx },
  }));
  expect((await statusOf(makeCase('haar_dwt', { J: 2, wave: 'haar', mode: 'reflect' }, { input: { shape: xs, data: x } }))).status).toBe('unsupported');
  expect((await statusOf(makeCase('haar_dwt', { J: 1, wave: 'db2', mode: 'reflect' }, { input: { shape: xs, data: x } }))).status).toBe('unsupported');
});

test('sinusoidal time embedding, dim 32', async () => {
  const t = Float32Array.from([0, 1, 3, 17, 40]);
  const dim = 32;
  const half = dim / 2;
  const out = new Float64Array(t.length * dim);
  t.forEach((tv, b) => {
    for (let i = 0; i < half; i++) {
      const a = tv * Math.exp((-i * Math.log(10000)) / (half - 1));
      out[b * dim + i] = Math.sin(a);
      out[b * dim + half + i] = Math.cos(a);
    }
  });
  await expectPasses(makeCase('sinusoidal_time_embedding', { dim, max_period: 10000 }, { t: { shape: [5], data: t }, output: { shape: [5, dim], data: out } }));
});

test('fourier positional encoding, 9x4, 4 frequencies of base 3', async () => {
  const [H, W, n, base] = [9, 4, 4, 3];
  const out = new Float64Array(4 * n * H * W);
  for (let k = 0; k < n; k++)
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++) {
        const f = Math.PI * base ** k;
        const [x, y] = [j / (W - 1), i / (H - 1)];
        [Math.sin(f * x), Math.sin(f * y), Math.cos(f * x), Math.cos(f * y)].forEach((v, c) => (out[((4 * k + c) * H + i) * W + j] = v));
      }
  await expectPasses(makeCase('fourier_pos_enc_2d', { H, W, n_freqs: n, base }, { output: { shape: [1, 4 * n, H, W], data: out } }));
});

test('local amplitude, kernel 5, eps 1e-4', async () => {
  const xs = [2, 2, 8, 9];
  const x = f32(numel(xs), 0, 1);
  const outShape = [2, 1, 8, 9];
  const go = gauss(numel(outShape));
  const f = (v: ArrayLike<number>) => localAmplitudeRef(v, xs, 5, 1e-4);
  await expectPasses(makeCase('local_amplitude', { kernel_size: 5, eps: 1e-4, pool: 'avg_pool2d(k,1,k//2,count_include_pad=True)' }, {
    input: { shape: xs, data: x }, grad_output: { shape: outShape, data: go }, output: { shape: outShape, data: f(x) }, 'grad.input': { shape: xs, data: numericGrad(f, x, go) },
  }));
});

test('eta schedule T=20, p=0.5 against the closed form', async () => {
  const [T, p, eta1, etaT] = [20, 0.5, 0.01, 0.99];
  const eta = etaClosedForm(T, p, Math.fround(eta1), etaT);
  const alpha = eta.map((v, i) => (i ? v - eta[i - 1] : 0));
  await expectPasses(makeCase('eta_schedule', { T, kappa: 1, eta_1: eta1, p, eta_T_target: etaT }, {
    eta: { shape: [T + 1], data: eta }, alpha: { shape: [T + 1], data: alpha }, sqrt_eta: { shape: [T + 1], data: eta.map(Math.sqrt) },
  }));
});

describe('diffusion steps on a T=10 schedule', () => {
  const eta = Float32Array.from(etaClosedForm(10, 0.5, 0.01, 0.99));
  const alpha = Float32Array.from(eta, (v, i) => (i ? v - eta[i - 1] : 0));

  test('forward_sample with kappa 1.5 at t = 0, 4, 10', async () => {
    const ts = [0, 4, 10];
    const shape = [3, 2, 3, 5];
    const per = numel(shape) / 3;
    const [x0, y0, noise] = [f32(numel(shape)), f32(numel(shape)), gauss(numel(shape))];
    const xt = new Float64Array(x0.length);
    for (let i = 0; i < x0.length; i++) {
      const e = eta[ts[Math.floor(i / per)]];
      xt[i] = (1 - e) * x0[i] + e * y0[i] + 1.5 * Math.sqrt(e) * noise[i];
    }
    await expectPasses(makeCase('forward_sample', { T: 10, kappa: 1.5, t: ts }, {
      eta: { shape: [11], data: eta }, t: { shape: [3], data: ts }, x0: { shape, data: x0 }, y0: { shape, data: y0 }, noise: { shape, data: noise }, x_t: { shape, data: xt },
    }));
  });

  test('reverse_step with kappa 1.5 at t = 10, 3, 1', async () => {
    const shape = [2, 3, 4, 4];
    const tensors: Record<string, { shape: number[]; data: ArrayLike<number> }> = { eta: { shape: [11], data: eta }, alpha: { shape: [11], data: alpha } };
    for (const t of [10, 3, 1]) {
      const [xt, y0, px0] = [gauss(numel(shape)), f32(numel(shape)), gauss(numel(shape), 0.8)];
      const clamped = px0.map((v) => Math.min(1, Math.max(-1, v)));
      const [et, et1, at] = [eta[t], eta[t - 1], alpha[t]];
      const mean = xt.map((v, i) => (et1 / et) * v + (at / et) * (1 - et1) * clamped[i] + ((at * et1) / et) * y0[i]);
      const variance = 1.5 ** 2 * (et1 / et) * at;
      Object.assign(tensors, {
        [`t${t}.x_t`]: { shape, data: xt }, [`t${t}.y0`]: { shape, data: y0 }, [`t${t}.pred_x0`]: { shape, data: px0 },
        [`t${t}.pred_x0_clamped`]: { shape, data: clamped }, [`t${t}.mean`]: { shape, data: mean },
        [`t${t}.variance`]: { shape: [], data: [variance] }, [`t${t}.std`]: { shape: [], data: [Math.sqrt(variance)] },
      });
    }
    await expectPasses(makeCase('reverse_step', { T: 10, kappa: 1.5, t: [10, 3, 1] }, tensors));
  });
});

test('multiscale loss with scales [1, 2, 3] on 13x11, freq weight 1.5', async () => {
  const shape = [1, 2, 13, 11];
  const [, C, H, W] = shape;
  const scales = [1, 2, 3];
  const [fw, sw] = [1.5, 0.5];
  const target = f32(numel(shape));
  const pred = Float32Array.from(target, (v) => v + 0.3 * gauss(1)[0]);
  const p01 = Float64Array.from(pred, (v) => (v + 1) / 2);
  const t01 = Float64Array.from(target, (v) => (v + 1) / 2);
  const tw = scales.reduce((s, v) => s + 1 / v, 0) + 1e-12;
  let loss = 0;
  const grad = new Float64Array(pred.length);
  const terms: Record<string, { shape: number[]; data: number[] }> = {};
  for (const s of scales) {
    const [Ho, Wo] = [Math.floor(H / s), Math.floor(W / s)];
    const Ah = bilinearMatrix(H, Ho, false, 1 / s);
    const Aw = bilinearMatrix(W, Wo, false, 1 / s);
    const ps = applySeparable(p01, C, H, W, Ah, Ho, Aw, Wo);
    const ts = applySeparable(t01, C, H, W, Ah, Ho, Aw, Wo);
    const [CH, CW] = [dctBasis(Ho), dctBasis(Wo)];
    const dp = applySeparable(ps, C, Ho, Wo, CH, Ho, CW, Wo);
    const dt = applySeparable(ts, C, Ho, Wo, CH, Ho, CW, Wo);
    const n = ps.length;
    const lsp = ps.reduce((a, v, i) => a + Math.abs(v - ts[i]), 0) / n;
    const lfr = dp.reduce((a, v, i) => a + Math.abs(v - dt[i]), 0) / n;
    loss += (sw * lsp + fw * lfr) / s;
    terms[`intermediate.l_spatial_s${s}`] = { shape: [], data: [lsp] };
    terms[`intermediate.l_freq_s${s}`] = { shape: [], data: [lfr] };
    const gFreq = applySeparable(dp.map((v, i) => Math.sign(v - dt[i])), C, Ho, Wo, transpose(CH, Ho, Ho), Ho, transpose(CW, Wo, Wo), Wo);
    const gs = ps.map((v, i) => ((sw * Math.sign(v - ts[i]) + fw * gFreq[i]) / n / s) / tw);
    const gp = applySeparable(gs, C, Ho, Wo, transpose(Ah, Ho, H), H, transpose(Aw, Wo, W), W);
    gp.forEach((v, i) => (grad[i] += 0.5 * v));
  }
  await expectPasses(makeCase('multiscale_loss', { scales, freq_weight: fw, spatial_weight: sw }, {
    pred: { shape, data: pred }, target: { shape, data: target }, loss: { shape: [], data: [loss / tw] }, 'grad.pred': { shape, data: grad }, ...terms,
  }));
});

test('Adam resumed from step 7 with 3 parameters, 4 steps, other hyperparameters', async () => {
  const shapes = [[3, 4], [5], [2, 2, 2]];
  const [lr, b1, b2, eps, step0, steps] = [1e-3, 0.8, 0.99, 1e-6, 7, 4];
  const t: Record<string, { shape: number[]; data: ArrayLike<number> }> = {};
  shapes.forEach((shape, i) => {
    const n = numel(shape);
    const [p, m, v] = [gauss(n), gauss(n, 0.01), f32(n, 0, 1e-4)];
    const grads = Array.from({ length: steps }, () => gauss(n, 10 ** -(i + 1)));
    Object.assign(t, { [`p${i}.init`]: { shape, data: p }, [`p${i}.exp_avg.init`]: { shape, data: m }, [`p${i}.exp_avg_sq.init`]: { shape, data: v } });
    adamRef(p, m, v, grads, step0, lr, b1, b2, eps).forEach((r, k) => {
      Object.assign(t, {
        [`p${i}.grad.step${k + 1}`]: { shape, data: grads[k] }, [`p${i}.param.step${k + 1}`]: { shape, data: r.p },
        [`p${i}.exp_avg.step${k + 1}`]: { shape, data: r.m }, [`p${i}.exp_avg_sq.step${k + 1}`]: { shape, data: r.v },
      });
    });
  });
  await expectPasses(makeCase('adam', { lr, betas: [b1, b2], eps, weight_decay: 0, amsgrad: false, maximize: false, initial_step: step0, steps, num_params: 3 }, t));
  for (const extra of [{ weight_decay: 0.01 }, { amsgrad: true }, { maximize: true }]) {
    const s = await statusOf(makeCase('adam', { lr, betas: [b1, b2], eps, initial_step: step0, steps, num_params: 3, ...extra }, t));
    expect(s.status, JSON.stringify(extra)).toBe('unsupported');
  }
});

test('clip_grad_norm_ with max_norm 0.5 over 4 gradients', async () => {
  const shapes = [[2, 3], [4], [1, 5], [3]];
  const gs = shapes.map((s) => gauss(numel(s)));
  const total = Math.sqrt(gs.reduce((a, g) => a + g.reduce((b, v) => b + v * v, 0), 0));
  const coef = Math.min(1, 0.5 / (total + 1e-6));
  const t: Record<string, { shape: number[]; data: ArrayLike<number> }> = { total_norm: { shape: [], data: [total] } };
  gs.forEach((g, i) => Object.assign(t, { [`g${i}.before`]: { shape: shapes[i], data: g }, [`g${i}.after`]: { shape: shapes[i], data: g.map((v) => v * coef) } }));
  await expectPasses(makeCase('clip_grad_norm_', { max_norm: 0.5, norm_type: 2, num_params: 4 }, t));
});

test('cosine annealing with T_max=50 past one period', async () => {
  const epochs = Array.from({ length: 121 }, (_, e) => e);
  const [base, tMax, etaMin] = [3e-3, 50, 1e-6];
  const lr = epochs.map((e) => etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * e) / tMax))) / 2);
  await expectPasses(makeCase('cosine_annealing_lr', { base_lr: base, T_max: tMax, eta_min: etaMin }, { epoch: { shape: [121], data: epochs }, lr: { shape: [121], data: lr } }));
});

test('unknown ops and unimplemented model settings are unsupported; a wrong expected value fails', async () => {
  expect(await statusOf(makeCase('softmax', {}, { input: { shape: [2], data: [1, 2] } }))).toMatchObject({ status: 'unsupported', reason: expect.stringMatching(/no handler/) });
  expect(await statusOf(makeCase('dual_domain_unet', { base_channels: 8, train_step: { optimizer: 'SGD' } }, { 'input.xt': { shape: [1], data: [0] } }))).toMatchObject({ status: 'unsupported', reason: expect.stringMatching(/optimizer SGD/) });
  expect(await statusOf(makeCase('dual_domain_unet', { base_channels: 8 }, { 'input.xt': { shape: [1], data: [0] } }))).toMatchObject({ status: 'error', reason: expect.stringMatching(/missing time_mlp.1.weight/) });
  const x = [0.5, -1, 2, 0];
  const bytes = makeCase('relu', {}, {
    input: { shape: [4], data: x }, grad_output: { shape: [4], data: [1, 1, 1, 1] }, output: { shape: [4], data: [0.5, 0, 2, 1e-3] }, 'grad.input': { shape: [4], data: [1, 0, 1, 0] },
  });
  const { runGoldenCase, checkGoldenCase, parseGoldenCase } = await import('../../src/golden/index.js');
  const gc = parseGoldenCase(bytes);
  const checks = checkGoldenCase(gc.tensors, (await runGoldenCase(gc)).outputs, 'relu');
  expect(checks.find((c) => c.name === 'output')!.pass).toBe(false);
  expect(checks.find((c) => c.name === 'grad.input')!.pass).toBe(true);
});
