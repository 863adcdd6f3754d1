// Weight gradient of a 3x3 stride-1 pad-1 convolution through Winograd F(2x2, 3x3). With
// U = G w G^T, V = B^T d B and M = U ⊙ V summed over channels, the adjoints are
// dM = A dY A^T per output tile and dU[ξ][o][c] = Σ_tiles dM[ξ][o] V[ξ][c]: 16 GEMMs over the
// tiles, 16 instead of 36 multiply-adds per tile, then dw = G^T dU G.
//
// One chunk is one image: it accumulates that image's dU over blocks of BT tiles, in tile
// order, into its own slice; the host adds the slices in image order and calls
// winogradGradFinish, so the result does not depend on the thread count.

import { micro, transpose4 } from './gemm';
import { imin, pi, pu } from './params';
import { PANEL_PAD, transformInput } from './winograd';

export const BT: i32 = 32;
const S_N = 0, S_C = 1, S_O = 2, S_H = 3, S_W = 4, S_X = 5, S_G = 6, S_DU = 7, S_DW = 8;

/**
 * Bytes of one ξ's V panels and dM panels. Each block is padded by PANEL_PAD (winograd.ts): the
 * panels are scattered to all 16 ξ at once, and 16 addresses a multiple of 4 KiB apart share one
 * L1 set. Layout only: the arithmetic and its order do not change.
 */
@inline function vBytes(C: i32): usize {
  return <usize>(((C + 7) >> 3) * BT * 32 + PANEL_PAD);
}
@inline function mBytes(O: i32): usize {
  return <usize>(((O + 3) >> 2) * BT * 16 + PANEL_PAD);
}

/** Scratch of one chunk: V panels [ξ][C/8][BT][8], dM panels [ξ][O/4][BT][4], two 1 KiB staging blocks. */
export function winogradGradScratch(C: i32, O: i32): usize {
  return 16 * vBytes(C) + 16 * mBytes(O) + <usize>(2048 + 512);
}

/** dM = A dY A^T for four tiles of one output channel (lanes = tiles), stored as tmp[ξ][lane4]. */
function adjointOutput(g: usize, H: i32, W: i32, tw: i32, t0: i32, tEnd: i32, dst: usize, stride: usize): void {
  let y00: v128, y01: v128, y10: v128, y11: v128;
  const ty = t0 / tw, tx = t0 - ty * tw;
  const oy = 2 * ty, ox = 2 * tx;
  if (tx + 4 <= tw && t0 + 4 <= tEnd && oy + 2 <= H && ox + 8 <= W) {
    const p = g + (<usize>(oy * W + ox) << 2), q = p + (<usize>W << 2);
    const a = v128.load(p), b = v128.load(p, 16), c = v128.load(q), d = v128.load(q, 16);
    y00 = v128.shuffle<f32>(a, b, 0, 2, 4, 6); y01 = v128.shuffle<f32>(a, b, 1, 3, 5, 7);
    y10 = v128.shuffle<f32>(c, d, 0, 2, 4, 6); y11 = v128.shuffle<f32>(c, d, 1, 3, 5, 7);
  } else {
    y00 = y01 = y10 = y11 = f32x4.splat(0);
    for (let j = 0; j < 4; j++) {
      const t = t0 + j;
      if (t >= tEnd) break;
      const yy = 2 * (t / tw), xx = 2 * (t - (t / tw) * tw);
      y00 = setLane(y00, j, at(g, H, W, yy, xx));
      y01 = setLane(y01, j, at(g, H, W, yy, xx + 1));
      y10 = setLane(y10, j, at(g, H, W, yy + 1, xx));
      y11 = setLane(y11, j, at(g, H, W, yy + 1, xx + 1));
    }
  }
  // rows: A dY with A = [[1,0],[1,1],[1,-1],[0,-1]], then the same along columns
  adjointRow(dst, stride, 0, y00, y01);
  adjointRow(dst, stride, 1, f32x4.add(y00, y10), f32x4.add(y01, y11));
  adjointRow(dst, stride, 2, f32x4.sub(y00, y10), f32x4.sub(y01, y11));
  adjointRow(dst, stride, 3, f32x4.neg(y10), f32x4.neg(y11));
}

@inline function adjointRow(dst: usize, stride: usize, i: i32, r0: v128, r1: v128): void {
  const d = dst + <usize>(4 * i) * stride;
  v128.store(d, r0);
  v128.store(d + stride, f32x4.add(r0, r1));
  v128.store(d + 2 * stride, f32x4.sub(r0, r1));
  v128.store(d + 3 * stride, f32x4.neg(r1));
}

@inline function at(g: usize, H: i32, W: i32, y: i32, x: i32): f32 {
  return y < H && x < W ? load<f32>(g + (<usize>(y * W + x) << 2)) : 0;
}

@inline function setLane(v: v128, j: i32, x: f32): v128 {
  if (j == 0) return f32x4.replace_lane(v, 0, x);
  if (j == 1) return f32x4.replace_lane(v, 1, x);
  if (j == 2) return f32x4.replace_lane(v, 2, x);
  return f32x4.replace_lane(v, 3, x);
}

/** Stages 4 rows (channels) x 4 tiles per ξ at tmp[ξ][row][4], then writes them tile-major. */
@inline function scatterPanels(tmp: usize, dst: usize, xiStride: usize, rowStride: usize): void {
  for (let k = 0; k < 16; k++) {
    const s = tmp + (<usize>k << 6);
    transpose4(s, s + 16, s + 32, s + 48, dst + <usize>k * xiStride, rowStride);
  }
}

export function winogradGrad(chunk: i32, scratch: usize, p: usize): void {
  const C = pi(p, S_C), O = pi(p, S_O), H = pi(p, S_H), W = pi(p, S_W);
  const CG = (C + 7) >> 3, OG = (O + 3) >> 2, C8 = CG * 8, O4 = OG * 4;
  const tw = (W + 1) >> 1, T = ((H + 1) >> 1) * tw;
  const n = chunk;
  const x = pu(p, S_X) + (<usize>(n * C * H * W) << 2);
  const g = pu(p, S_G) + (<usize>(n * O * H * W) << 2);
  const dU = pu(p, S_DU) + (<usize>(n * 16 * O4 * C8) << 2);
  const vXi = vBytes(C), mXi = mBytes(O);
  const vp = scratch;
  const mp = vp + 16 * vXi;
  const tmp = mp + 16 * mXi;
  const ttmp = tmp + 1024;
  const zero = f32x4.splat(0);
  for (let t0 = 0; t0 < T; t0 += BT) {
    const tEnd = imin(T, t0 + BT);
    const nt = (tEnd - t0 + 3) & ~3;
    // channel-major: the block's tiles of four channels are transformed while those channels'
    // rows are in cache (tile-major visited every channel plane, 4 KiB-aliased, per 4 tiles)
    for (let c0 = 0; c0 < C8; c0 += 4) {
      for (let q = 0; q < nt; q += 4) {
        for (let r = 0; r < 4; r++) {
          const c = c0 + r;
          if (c < C) transformInput(x + (<usize>(c * H * W) << 2), H, W, tw, t0 + q, tEnd, tmp + (<usize>r << 4), 64, ttmp);
          else for (let k = 0; k < 16; k++) v128.store(tmp + (<usize>k << 6) + (<usize>r << 4), zero);
        }
        scatterPanels(tmp, vp + <usize>(((c0 >> 3) * BT + q) * 32 + (c0 & 4) * 4), vXi, 32);
      }
    }
    for (let o0 = 0; o0 < O4; o0 += 4) {
      for (let q = 0; q < nt; q += 4) {
        for (let r = 0; r < 4; r++) {
          const o = o0 + r;
          if (o < O) adjointOutput(g + (<usize>(o * H * W) << 2), H, W, tw, t0 + q, tEnd, tmp + (<usize>r << 4), 64);
          else for (let k = 0; k < 16; k++) v128.store(tmp + (<usize>k << 6) + (<usize>r << 4), zero);
        }
        scatterPanels(tmp, mp + <usize>(((o0 >> 2) * BT + q) * 16), mXi, 16);
      }
    }
    const first = t0 == 0;
    for (let k = 0; k < 16; k++) {
      for (let og = 0; og < OG; og++) {
        const ap = mp + <usize>k * mXi + <usize>(og * BT * 16);
        for (let cg = 0; cg < CG; cg++) {
          const bp = vp + <usize>k * vXi + <usize>(cg * BT * 32);
          micro(nt, ap, bp, dU + (<usize>((k * O4 + og * 4) * C8 + cg * 8) << 2), C8, first);
        }
      }
    }
  }
}

/** dw[o][c] = G^T dU[o][c] G from the summed dU [16][O4][C8]; chunk = o. */
export function winogradGradFinish(chunk: i32, scratch: usize, p: usize): void {
  const C = pi(p, S_C), O = pi(p, S_O);
  const C8 = ((C + 7) >> 3) * 8, O4 = ((O + 3) >> 2) * 4;
  const dU = pu(p, S_DU), dW = pu(p, S_DW);
  const o = chunk;
  const xi = <usize>(O4 * C8) << 2;
  const half: f32 = 0.5;
  for (let c = 0; c < C; c++) {
    const u = dU + (<usize>(o * C8 + c) << 2);
    // s[a][j] = Σ_i G[i][a] dU[i][j] with G^T = [[1,.5,.5,0],[0,.5,-.5,0],[0,.5,.5,1]]
    for (let j = 0; j < 4; j++) {
      const u0 = load<f32>(u + <usize>j * xi), u1 = load<f32>(u + <usize>(4 + j) * xi);
      const u2 = load<f32>(u + <usize>(8 + j) * xi), u3 = load<f32>(u + <usize>(12 + j) * xi);
      store<f32>(scratch + (<usize>j << 2), u0 + half * (u1 + u2));
      store<f32>(scratch + (<usize>(4 + j) << 2), half * (u1 - u2));
      store<f32>(scratch + (<usize>(8 + j) << 2), half * (u1 + u2) + u3);
    }
    const w = dW + (<usize>((o * C + c) * 9) << 2);
    for (let a = 0; a < 3; a++) {
      const s = scratch + (<usize>(4 * a) << 2);
      const s0 = load<f32>(s), s1 = load<f32>(s, 4), s2 = load<f32>(s, 8), s3 = load<f32>(s, 12);
      store<f32>(w + (<usize>(3 * a) << 2), s0 + half * (s1 + s2));
      store<f32>(w + (<usize>(3 * a + 1) << 2), half * (s1 - s2));
      store<f32>(w + (<usize>(3 * a + 2) << 2), half * (s1 + s2) + s3);
    }
  }
}
