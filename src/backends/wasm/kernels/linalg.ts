// matmul and the convolutions, all through the module's blocked GEMM (assembly/gemm.ts). Block
// sizes are derived from shapes only, so results do not depend on the thread count.

import type { Conv2dAttrs, Conv2dGradInputAttrs, Conv2dGradWeightAttrs } from '../../attrs.js';
import { batchOffsets, matmulSizes } from '../../geometry.js';
import { conv2dGeometry, conv2dGradInputGeometry, conv2dGradWeightGeometry } from '../../shapes.js';
import type { Attrs } from '../../types.js';
import type { WasmTensor } from '../backend.js';
import type { WasmRuntime } from '../runtime.js';
import { fill, sumRows } from './elementwise.js';
import { runWinograd, runWinogradGradWeight, winogradApplies } from './winograd.js';

/** Below this many multiply-adds a job runs on the calling thread. */
const PARALLEL_MACS = 1 << 20;

// Block sizes of assembly/gemm.ts (its packing buffers are sized for them) and its operand modes,
// read from the module once it is loaded: the host derives each GEMM's blocks from the shapes and these.
let MC = 0, KC_MAX = 0, NC_MAX = 0;
let MODE_MATMUL = 0, MODE_CONV_FWD = 0, MODE_CONV_GRAD_INPUT = 0, MODE_CONV_GRAD_WEIGHT = 0;
export function setGemmBlocks(rt: WasmRuntime): void {
  MC = rt.constant('GEMM_MC');
  KC_MAX = rt.constant('GEMM_KC_MAX');
  NC_MAX = rt.constant('GEMM_NC_MAX');
  MODE_MATMUL = rt.constant('GEMM_MATMUL');
  MODE_CONV_FWD = rt.constant('GEMM_CONV_FWD');
  MODE_CONV_GRAD_INPUT = rt.constant('GEMM_CONV_GRAD_INPUT');
  MODE_CONV_GRAD_WEIGHT = rt.constant('GEMM_CONV_GRAD_WEIGHT');
}

/** K split into equal blocks of at most KC_MAX. */
export function kBlock(K: number): number {
  return Math.max(1, Math.ceil(K / Math.ceil(K / KC_MAX)));
}

export function nBlock(N: number, target = NC_MAX): number {
  return Math.max(8, Math.min(NC_MAX, Math.ceil(Math.min(N, target) / 8) * 8));
}

interface GemmRecord {
  mode: number;
  M: number;
  N: number;
  K: number;
  A: number;
  B: number;
  C: number;
  bias?: number;
  /** max(c, 0) after the bias (a conv2d with relu) */
  relu?: boolean;
  batches: number;
  transA?: boolean;
  transB?: boolean;
  table?: number;
  conv?: { C: number; H: number; W: number; Ho: number; Wo: number; kh: number; kw: number; sh: number; sw: number; ph: number; pw: number; O: number };
  kc: number;
  nc: number;
}

/** Chunks a GEMM is split into at least (when it has that many M blocks), so threads share the work evenly. */
const MIN_CHUNKS = 8;

/**
 * M blocks per chunk: a chunk packs each K block of B once for all its M blocks, so fewer,
 * taller chunks pack less, as long as there are MIN_CHUNKS of them. From the shapes alone.
 */
function mGroup(g: GemmRecord): number {
  const mBlocks = Math.ceil(g.M / MC);
  const units = g.batches * Math.ceil(g.N / g.nc);
  return Math.max(1, Math.min(mBlocks, Math.floor((mBlocks * units) / MIN_CHUNKS)));
}

function runGemm(rt: WasmRuntime, g: GemmRecord): void {
  const c = g.conv;
  const group = mGroup(g);
  const ints = [
    g.mode, g.M, g.N, g.K, g.A, g.B, g.C, g.bias ?? 0, g.batches, g.transA ? 1 : 0, g.transB ? 1 : 0, g.table ?? 0,
    c?.C ?? 0, c?.H ?? 0, c?.W ?? 0, c?.Ho ?? 0, c?.Wo ?? 0, c?.kh ?? 0, c?.kw ?? 0, c?.sh ?? 0, c?.sw ?? 0, c?.ph ?? 0, c?.pw ?? 0, c?.O ?? 0,
    g.kc, g.nc, group, g.relu ? 1 : 0,
  ];
  const mc = group * MC;
  const chunks = g.batches * Math.ceil(g.M / mc) * Math.ceil(g.N / g.nc);
  const macs = g.batches * g.M * g.N * (g.mode === MODE_CONV_GRAD_WEIGHT ? (c!.Ho * c!.Wo) : g.K);
  rt.run('gemm', chunks, rt.params(ints), macs >= PARALLEL_MACS, rt.gemmScratch);
}

/**
 * Runs a batched matmul-mode GEMM whose batch entries start at the given float offsets of A and
 * B (C entries are contiguous), through a table on the heap.
 */
export function runTabled(rt: WasmRuntime, g: Omit<GemmRecord, 'mode' | 'batches' | 'table'>, offA: ArrayLike<number>, offB: ArrayLike<number>): void {
  const batches = offA.length;
  const table = rt.heap.alloc(batches * 8);
  try {
    const t = new Uint32Array(rt.memory.buffer, table, batches * 2);
    for (let i = 0; i < batches; i++) {
      t[2 * i] = offA[i];
      t[2 * i + 1] = offB[i];
    }
    runGemm(rt, { ...g, mode: MODE_MATMUL, batches, table });
  } finally {
    rt.heap.release(table, batches * 8);
  }
}

/**
 * A 1x1 convolution with stride 1 and no padding is a plain matrix product per image
 * (W[O, C] x[n][C, H W]). Matmul mode packs its operands with contiguous vector loads where the
 * im2col packers gather tap by tap (about 1.4x faster on the UNet's 1x1 convolutions); the K
 * blocks and the summation order are the same, so the results are bit-identical either way.
 */
const pointwise = (kh: number, kw: number, sh: number, sw: number, ph: number, pw: number) =>
  kh === 1 && kw === 1 && sh === 1 && sw === 1 && ph === 0 && pw === 0;

/** Batch offsets for runTabled: entry i at i * stride, or every entry at 0. */
export const per = (n: number, stride: number) => Array.from({ length: n }, (_, i) => i * stride);
export const same = (n: number) => new Array<number>(n).fill(0);

export function matmulKernel(rt: WasmRuntime) {
  return ([a, b]: readonly WasmTensor[], [c]: readonly WasmTensor[], attrs: Attrs): void => {
    const transA = attrs.transA as boolean;
    const transB = attrs.transB as boolean;
    const { M, N, K, outBatch } = matmulSizes(a.shape, c.shape, transA);
    if (c.buf.size === 0) return;
    if (K === 0) return fill(rt, c.buf.ptr, c.buf.size, 0);
    const offA = batchOffsets(a.shape, outBatch);
    const offB = batchOffsets(b.shape, outBatch);
    runTabled(rt, { M, N, K, A: a.buf.ptr, B: b.buf.ptr, C: c.buf.ptr, transA, transB, kc: kBlock(K), nc: nBlock(N) }, offA, offB);
  };
}

export function conv2dKernel(rt: WasmRuntime) {
  return ([x, w, bias]: readonly WasmTensor[], [out]: readonly WasmTensor[], attrs: Attrs): void => {
    const a = attrs as unknown as Conv2dAttrs;
    const { N, C, H, W, O, kh, kw, sh, sw, ph, pw, Ho, Wo } = conv2dGeometry(x.shape, w.shape, bias?.shape, out.shape, a);
    if (out.buf.size === 0) return;
    const K = C * kh * kw;
    if (K === 0) {
      fill(rt, out.buf.ptr, out.buf.size, 0);
      if (!bias) return;
    }
    if (K > 0 && winogradApplies(kh, kw, sh, sw, ph, pw)) {
      return runWinograd(rt, { N, C, O, H, W, x: x.buf.ptr, weight: w.buf.ptr, y: out.buf.ptr, bias: bias?.buf.ptr ?? 0, flip: false, relu: a.relu });
    }
    if (K > 0 && pointwise(kh, kw, sh, sw, ph, pw)) {
      const g = { M: O, N: H * W, K, A: w.buf.ptr, B: x.buf.ptr, C: out.buf.ptr, bias: bias?.buf.ptr, relu: a.relu, kc: kBlock(K), nc: nBlock(H * W) };
      return runTabled(rt, g, same(N), per(N, C * H * W));
    }
    runGemm(rt, {
      mode: MODE_CONV_FWD, M: O, N: Ho * Wo, K, A: w.buf.ptr, B: x.buf.ptr, C: out.buf.ptr, bias: bias?.buf.ptr, relu: a.relu, batches: N,
      conv: { C, H, W, Ho, Wo, kh, kw, sh, sw, ph, pw, O }, kc: kBlock(K), nc: nBlock(Ho * Wo),
    });
  };
}

export function conv2dGradInputKernel(rt: WasmRuntime) {
  return ([g, w]: readonly WasmTensor[], [out]: readonly WasmTensor[], attrs: Attrs): void => {
    const a = attrs as unknown as Conv2dGradInputAttrs;
    const { N, C, H, W, O, kh, kw, sh, sw, ph, pw, Ho, Wo } = conv2dGradInputGeometry(g.shape, w.shape, out.shape, a);
    if (out.buf.size === 0) return;
    const K = O * kh * kw;
    if (K === 0) return fill(rt, out.buf.ptr, out.buf.size, 0);
    if (winogradApplies(kh, kw, sh, sw, ph, pw)) {
      return runWinograd(rt, { N, C: O, O: C, H, W, x: g.buf.ptr, weight: w.buf.ptr, y: out.buf.ptr, bias: 0, flip: true });
    }
    if (pointwise(kh, kw, sh, sw, ph, pw)) {
      // dx[n] = W[O, C]ᵀ g[n][O, H W]
      const r = { M: C, N: H * W, K, A: w.buf.ptr, B: g.buf.ptr, C: out.buf.ptr, transA: true, kc: kBlock(K), nc: nBlock(H * W) };
      return runTabled(rt, r, same(N), per(N, O * H * W));
    }
    runGemm(rt, {
      mode: MODE_CONV_GRAD_INPUT, M: C, N: H * W, K, A: w.buf.ptr, B: g.buf.ptr, C: out.buf.ptr, batches: N,
      conv: { C, H, W, Ho, Wo, kh, kw, sh, sw, ph, pw, O }, kc: kBlock(K), nc: nBlock(H * W),
    });
  };
}

export function conv2dGradWeightKernel(rt: WasmRuntime) {
  return ([x, g]: readonly WasmTensor[], [out]: readonly WasmTensor[], attrs: Attrs): void => {
    const a = attrs as unknown as Conv2dGradWeightAttrs;
    const { N, C, H, W, O, kh, kw, sh, sw, ph, pw, Ho, Wo } = conv2dGradWeightGeometry(x.shape, g.shape, out.shape, a);
    if (out.buf.size === 0) return;
    if (N === 0) return fill(rt, out.buf.ptr, out.buf.size, 0);
    if (winogradApplies(kh, kw, sh, sw, ph, pw)) return runWinogradGradWeight(rt, N, C, O, H, W, x.buf.ptr, g.buf.ptr, out.buf.ptr);
    const cols = C * kh * kw;
    // One partial gradient per image, summed in image order afterwards: images are the chunks
    // along K, so the sum's order is fixed by the batch size alone.
    const partialBytes = N > 1 ? N * out.buf.size * 4 : 0;
    const partial = N > 1 ? rt.heap.alloc(partialBytes) : out.buf.ptr;
    try {
      const P = Ho * Wo;
      if (pointwise(kh, kw, sh, sw, ph, pw)) {
        // partial[n] = g[n][O, P] x[n][C, P]ᵀ, with the blocks of the general path
        const r = { M: O, N: cols, K: P, A: g.buf.ptr, B: x.buf.ptr, C: partial, transB: true, kc: kBlock(P), nc: nBlock(cols, Math.ceil(cols / 4)) };
        runTabled(rt, r, per(N, O * P), per(N, C * P));
      } else {
        runGemm(rt, {
          mode: MODE_CONV_GRAD_WEIGHT, M: O, N: cols, K: P, A: g.buf.ptr, B: x.buf.ptr, C: partial, batches: N,
          conv: { C, H, W, Ho, Wo, kh, kw, sh, sw, ph, pw, O }, kc: kBlock(P), nc: nBlock(cols, Math.ceil(cols / 4)),
        });
      }
      if (N > 1) sumRows(rt, partial, out.buf.ptr, N, out.buf.size);
    } finally {
      if (N > 1) rt.heap.release(partial, partialBytes);
    }
  };
}
