// Host side of assembly/winograd.ts: 3x3 convolutions with stride 1 and padding 1 (forward and
// input gradient) through Winograd F(2x2, 3x3). The chunking depends on shapes only.

import type { WasmRuntime } from '../runtime.js';
import { sumRows } from './elementwise.js';

/** Below this many (direct) multiply-adds a job runs on the calling thread. */
const PARALLEL_MACS = 1 << 20;

export interface WinogradConv {
  N: number;
  /** Channels of the conv's input and output (for the input gradient: O and C of the weight). */
  C: number;
  O: number;
  H: number;
  W: number;
  x: number;
  weight: number;
  y: number;
  bias: number;
  /** The input gradient: the weight is used transposed and rotated by 180 degrees. */
  flip: boolean;
  /** max(y, 0) as the output is written. */
  relu?: boolean;
}

let enabled = true;

/** Turns the Winograd path off (benchmarks compare it with the direct GEMM path). */
export function setWinograd(on: boolean): void {
  enabled = on;
}

export function winogradApplies(kh: number, kw: number, sh: number, sw: number, ph: number, pw: number): boolean {
  return enabled && kh === 3 && kw === 3 && sh === 1 && sw === 1 && ph === 1 && pw === 1;
}

export function runWinograd(rt: WasmRuntime, w: WinogradConv): void {
  const OG = Math.ceil(w.O / 4);
  const uBytes = 16 * OG * 4 * w.C * 4;
  const U = rt.heap.alloc(uBytes);
  try {
    const params = () => rt.params([w.N, w.C, w.O, w.H, w.W, w.x, U, w.y, w.bias, w.weight, w.flip ? 1 : 0, w.relu ? 1 : 0]);
    const macs = w.N * w.O * w.C * 9 * w.H * w.W;
    rt.run('winogradWeights', OG * 4, params(), OG * 4 * w.C * 9 >= 1 << 16);
    const T = Math.ceil(w.H / 2) * Math.ceil(w.W / 2);
    const TILES = rt.constant('WINOGRAD_TILES'); // tiles per chunk (assembly/winograd.ts)
    rt.run('winograd', w.N * Math.ceil(T / TILES), params(), macs >= PARALLEL_MACS, rt.scratchFor('winograd', w.C));
  } finally {
    rt.heap.release(U, uBytes);
  }
}

/** Weight gradient of a Winograd-eligible convolution: x [N,C,H,W], gradOut [N,O,H,W] -> dw [O,C,3,3]. */
export function runWinogradGradWeight(rt: WasmRuntime, N: number, C: number, O: number, H: number, W: number, x: number, g: number, dw: number): void {
  const C8 = Math.ceil(C / 8) * 8, O4 = Math.ceil(O / 4) * 4;
  const sliceLen = 16 * O4 * C8;
  const partBytes = N * sliceLen * 4;
  const part = rt.heap.alloc(partBytes);
  const total = N > 1 ? rt.heap.alloc(sliceLen * 4) : part;
  try {
    const params = () => rt.params([N, C, O, H, W, x, g, part, dw]);
    rt.run('winogradGrad', N, params(), N > 1 && N * O * C * 9 * H * W >= PARALLEL_MACS, rt.scratchFor('winogradGrad', C, O));
    // image slices are added in image order, whatever thread made each
    if (N > 1) sumRows(rt, part, total, N, sliceLen);
    rt.run('winogradGradFinish', O, rt.params([N, C, O, H, W, x, g, total, dw]), O * C >= 1 << 14);
  } finally {
    if (N > 1) rt.heap.release(total, sliceLen * 4);
    rt.heap.release(part, partBytes);
  }
}
