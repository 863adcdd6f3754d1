// Winograd F(2x2, 3x3) for 3x3 convolutions with stride 1 and padding 1: each 2x2 output tile
// is A^T [ (G w G^T) ⊙ (B^T d B) ] A, so the multiply-adds of the channel sum drop from 36 to
// 16 per tile (2.25x fewer). The channel sums are 16 independent GEMMs, one per point ξ of the
// 4x4 transformed tile, run with gemm.ts's 4x8 register tile on panels the transforms write
// directly (no packing pass).
//
// Determinism: a chunk is (image, block of TILES consecutive tiles) and writes only its own
// outputs; every sum has a fixed order set by the shapes alone.

import { micro } from './gemm';
import { imin, pi, pu } from './params';

/** Tiles per chunk: the transformed block (16 x C x TILES floats) stays in L2 for C <= 128. */
export const TILES: i32 = 32;

const S_N = 0, S_C = 1, S_O = 2, S_H = 3, S_W = 4, S_X = 5, S_U = 6, S_Y = 7, S_BIAS = 8, S_WT = 9, S_FLIP = 10, S_RELU = 11;

/**
 * Bytes added to each ξ's panel block of the transformed input: the block is a multiple of 4 KiB
 * for the usual channel counts, and the input transform stores to all 16 blocks at once; 16
 * addresses 4 KiB apart share one L1 set (12 ways), so every store missed. The pad staggers them
 * (measured: the transform went from 15% to a few % of the convolution's time). Layout only.
 */
export const PANEL_PAD: i32 = 64;

/** Bytes of one ξ's panels for C channels (at most TILES tiles). */
@inline function panelBytes(C: i32, groups: i32): usize {
  return <usize>(groups * C * 32 + PANEL_PAD);
}

/** Scratch one thread needs for C input channels: the transformed block, 16 4x8 result tiles, patch rows. */
export function winogradScratch(C: i32): usize {
  return 16 * panelBytes(C, TILES >> 3) + <usize>(16 * 32 * 4 + 512);
}

// ---- weight transform U = G w G^T ----------------------------------------------------------

/**
 * U in 4-row panels per ξ: U[((ξ * OG + o/4) * C + c) * 4 + o%4], rows past O zero. With the
 * flip flag the conv is the input gradient: w'[o][c] = rot180(w[c][o]).
 */
export function winogradWeights(chunk: i32, scratch: usize, p: usize): void {
  const C = pi(p, S_C), O = pi(p, S_O), flip = pi(p, S_FLIP);
  const src = pu(p, S_WT), U = pu(p, S_U);
  const OG = (O + 3) >> 2;
  const o = chunk;
  for (let c = 0; c < C; c++) {
    const g = scratch; // 9 floats
    for (let k = 0; k < 9; k++) {
      let v: f32 = 0;
      if (o < O) v = flip ? load<f32>(src + (<usize>((c * O + o) * 9 + 8 - k) << 2)) : load<f32>(src + (<usize>((o * C + c) * 9 + k) << 2));
      store<f32>(g + (<usize>k << 2), v);
    }
    for (let j = 0; j < 3; j++) {
      const g0 = load<f32>(g + (<usize>j << 2)), g1 = load<f32>(g + (<usize>(3 + j) << 2)), g2 = load<f32>(g + (<usize>(6 + j) << 2));
      store<f32>(g + (<usize>(16 + j) << 2), g0);
      store<f32>(g + (<usize>(20 + j) << 2), <f32>0.5 * (g0 + g1 + g2));
      store<f32>(g + (<usize>(24 + j) << 2), <f32>0.5 * (g0 - g1 + g2));
      store<f32>(g + (<usize>(28 + j) << 2), g2);
    }
    for (let i = 0; i < 4; i++) {
      const r = g + (<usize>(16 + 4 * i) << 2);
      const t0 = load<f32>(r), t1 = load<f32>(r, 4), t2 = load<f32>(r, 8);
      const u0 = t0, u1 = <f32>0.5 * (t0 + t1 + t2), u2 = <f32>0.5 * (t0 - t1 + t2), u3 = t2;
      const base = U + (<usize>(((i * 4) * OG + (o >> 2)) * C + c) * 4 + (o & 3) << 2);
      const step = <usize>(OG * C * 16);
      store<f32>(base, u0);
      store<f32>(base + step, u1);
      store<f32>(base + 2 * step, u2);
      store<f32>(base + 3 * step, u3);
    }
  }
}

// ---- input transform V = B^T d B -------------------------------------------------------------

/**
 * Columns 0..3 of the 4x4 input patches of four tiles in one row, from input row `row` (or zeros
 * off the image): lane j holds x[row][s + 2j + k] for column k, zero outside [0, W).
 */
@inline function rowCols(x: usize, row: i32, H: i32, W: i32, s: i32, tmp: usize, out: usize): void {
  if (row < 0 || row >= H) {
    const z = f32x4.splat(0);
    v128.store(out, z); v128.store(out, z, 16); v128.store(out, z, 32); v128.store(out, z, 48);
    return;
  }
  const rp = x + (<usize>(row * W) << 2);
  let a: v128, b: v128, c: v128;
  if (s >= 0 && s + 10 <= W) {
    const q = rp + (<usize>s << 2);
    a = v128.load(q); b = v128.load(q, 16); c = v128.load64_zero(q + 32);
  } else {
    for (let k = 0; k < 12; k++) {
      const ix = s + k;
      store<f32>(tmp + (<usize>k << 2), k < 10 && ix >= 0 && ix < W ? load<f32>(rp + (<usize>ix << 2)) : 0);
    }
    a = v128.load(tmp); b = v128.load(tmp, 16); c = v128.load(tmp, 32);
  }
  v128.store(out, v128.shuffle<f32>(a, b, 0, 2, 4, 6));
  v128.store(out, v128.shuffle<f32>(a, b, 1, 3, 5, 7), 16);
  // columns 2 and 3 end in c's first two lanes
  v128.store(out, v128.shuffle<f32>(v128.shuffle<f32>(a, b, 2, 4, 6, 7), c, 0, 1, 2, 4), 32);
  v128.store(out, v128.shuffle<f32>(v128.shuffle<f32>(a, b, 3, 5, 7, 7), c, 0, 1, 2, 5), 48);
}

/** The same four columns when the four tiles do not share a row (lane by lane). */
function laneCols(x: usize, r: i32, H: i32, W: i32, t0: i32, tEnd: i32, tw: i32, out: usize): void {
  for (let j = 0; j < 4; j++) {
    const t = t0 + j;
    const ty = t / tw, tx = t - ty * tw;
    const iy = 2 * ty - 1 + r;
    for (let k = 0; k < 4; k++) {
      const ix = 2 * tx - 1 + k;
      const ok = t < tEnd && iy >= 0 && iy < H && ix >= 0 && ix < W;
      store<f32>(out + (<usize>(k * 4 + j) << 2), ok ? load<f32>(x + (<usize>(iy * W + ix) << 2)) : 0);
    }
  }
}

/** B^T d B of four tiles of one channel, into the 8-tile panels: V[((ξ*G + g) * C + c) * 8 + half*4]. */
export function transformInput(x: usize, H: i32, W: i32, tw: i32, t0: i32, tEnd: i32, vp: usize, panelStride: usize, tmp: usize): void {
  const ty = t0 / tw, tx = t0 - ty * tw;
  const sameRow = tx + 4 <= tw && t0 + 4 <= tEnd;
  const cols = tmp + 64; // 4 rows x 4 columns of v128
  for (let r = 0; r < 4; r++) {
    const out = cols + (<usize>r << 6);
    if (sameRow) rowCols(x, 2 * ty - 1 + r, H, W, 2 * tx - 1, tmp, out);
    else laneCols(x, r, H, W, t0, tEnd, tw, out);
  }
  // along each row: u = d B, then along columns: V = B^T u
  for (let j = 0; j < 4; j++) {
    let u0: v128, u1: v128, u2: v128, u3: v128;
    {
      const p0 = cols, p1 = cols + 64, p2 = cols + 128, p3 = cols + 192;
      u0 = rowTerm(p0, j); u1 = rowTerm(p1, j); u2 = rowTerm(p2, j); u3 = rowTerm(p3, j);
    }
    store4(vp, panelStride, j, f32x4.sub(u0, u2), f32x4.add(u1, u2), f32x4.sub(u2, u1), f32x4.sub(u1, u3));
  }
}

/** Column j of d·B for one patch row held as four column vectors. */
@inline function rowTerm(p: usize, j: i32): v128 {
  const d0 = v128.load(p), d1 = v128.load(p, 16), d2 = v128.load(p, 32), d3 = v128.load(p, 48);
  if (j == 0) return f32x4.sub(d0, d2);
  if (j == 1) return f32x4.add(d1, d2);
  if (j == 2) return f32x4.sub(d2, d1);
  return f32x4.sub(d1, d3);
}

/** Stores V[i][j] for i = 0..3 (ξ = 4i + j). */
@inline function store4(vp: usize, stride: usize, j: i32, v0: v128, v1: v128, v2: v128, v3: v128): void {
  v128.store(vp + <usize>j * stride, v0);
  v128.store(vp + <usize>(4 + j) * stride, v1);
  v128.store(vp + <usize>(8 + j) * stride, v2);
  v128.store(vp + <usize>(12 + j) * stride, v3);
}

// ---- output transform Y = A^T M A ------------------------------------------------------------

/**
 * Four tiles of one output channel from m[ξ] (4 lanes each, `stride` bytes apart per ξ), plus the
 * bias, then max(y, 0) with `relu` (wasm's max: NaN stays NaN, -0 becomes +0, as the relu op).
 */
function transformOutput(m: usize, stride: usize, y: usize, Ho: i32, Wo: i32, tw: i32, t0: i32, tEnd: i32, bias: f32, relu: bool): void {
  const s0 = colTerm0(m, stride, 0), s1 = colTerm0(m, stride, 1), s2 = colTerm0(m, stride, 2), s3 = colTerm0(m, stride, 3);
  const r0 = colTerm1(m, stride, 0), r1 = colTerm1(m, stride, 1), r2 = colTerm1(m, stride, 2), r3 = colTerm1(m, stride, 3);
  const b = f32x4.splat(bias);
  let y00 = f32x4.add(f32x4.add(f32x4.add(s0, s1), s2), b);
  let y01 = f32x4.add(f32x4.sub(f32x4.sub(s1, s2), s3), b);
  let y10 = f32x4.add(f32x4.add(f32x4.add(r0, r1), r2), b);
  let y11 = f32x4.add(f32x4.sub(f32x4.sub(r1, r2), r3), b);
  if (relu) {
    const z = f32x4.splat(0);
    y00 = f32x4.max(y00, z); y01 = f32x4.max(y01, z); y10 = f32x4.max(y10, z); y11 = f32x4.max(y11, z);
  }
  const ty = t0 / tw, tx = t0 - ty * tw;
  const oy = 2 * ty, ox = 2 * tx;
  if (tx + 4 <= tw && t0 + 4 <= tEnd && oy + 2 <= Ho && ox + 8 <= Wo) {
    const p = y + (<usize>(oy * Wo + ox) << 2);
    v128.store(p, v128.shuffle<f32>(y00, y01, 0, 4, 1, 5));
    v128.store(p, v128.shuffle<f32>(y00, y01, 2, 6, 3, 7), 16);
    const q = p + (<usize>Wo << 2);
    v128.store(q, v128.shuffle<f32>(y10, y11, 0, 4, 1, 5));
    v128.store(q, v128.shuffle<f32>(y10, y11, 2, 6, 3, 7), 16);
    return;
  }
  for (let j = 0; j < 4; j++) {
    const t = t0 + j;
    if (t >= tEnd) break;
    const yy = 2 * (t / tw), xx = 2 * (t - (t / tw) * tw);
    storeClipped(y, Ho, Wo, yy, xx, lane(y00, j));
    storeClipped(y, Ho, Wo, yy, xx + 1, lane(y01, j));
    storeClipped(y, Ho, Wo, yy + 1, xx, lane(y10, j));
    storeClipped(y, Ho, Wo, yy + 1, xx + 1, lane(y11, j));
  }
}

@inline function lane(v: v128, j: i32): f32 {
  if (j == 0) return f32x4.extract_lane(v, 0);
  if (j == 1) return f32x4.extract_lane(v, 1);
  if (j == 2) return f32x4.extract_lane(v, 2);
  return f32x4.extract_lane(v, 3);
}

@inline function storeClipped(y: usize, Ho: i32, Wo: i32, oy: i32, ox: i32, v: f32): void {
  if (oy < Ho && ox < Wo) store<f32>(y + (<usize>(oy * Wo + ox) << 2), v);
}

/** Row 0 of A^T M at column j: m0j + m1j + m2j. */
@inline function colTerm0(m: usize, stride: usize, j: i32): v128 {
  const a = v128.load(m + <usize>j * stride), b = v128.load(m + <usize>(4 + j) * stride), c = v128.load(m + <usize>(8 + j) * stride);
  return f32x4.add(f32x4.add(a, b), c);
}

/** Row 1 of A^T M at column j: m1j - m2j - m3j. */
@inline function colTerm1(m: usize, stride: usize, j: i32): v128 {
  const b = v128.load(m + <usize>(4 + j) * stride), c = v128.load(m + <usize>(8 + j) * stride), d = v128.load(m + <usize>(12 + j) * stride);
  return f32x4.sub(f32x4.sub(b, c), d);
}

// ---- driver ----------------------------------------------------------------------------------

export function winograd(chunk: i32, scratch: usize, p: usize): void {
  const C = pi(p, S_C), O = pi(p, S_O), H = pi(p, S_H), W = pi(p, S_W);
  const th = (H + 1) >> 1, tw = (W + 1) >> 1, T = th * tw;
  const blocks = (T + TILES - 1) / TILES;
  const n = chunk / blocks;
  const t0 = (chunk - n * blocks) * TILES;
  const tEnd = imin(T, t0 + TILES);
  const groups = (tEnd - t0 + 7) >> 3;
  const x = pu(p, S_X) + (<usize>(n * C * H * W) << 2);
  const y = pu(p, S_Y) + (<usize>(n * O * H * W) << 2);
  const U = pu(p, S_U), biasPtr = pu(p, S_BIAS), relu = pi(p, S_RELU) != 0;
  const vp = scratch;
  const mbuf = vp + 16 * panelBytes(C, TILES >> 3);
  const transformTmp = mbuf + 16 * 32 * 4; // a padded patch row, then 4x4 column vectors
  // V panels: [ξ][group][c][8]
  const panelStride = panelBytes(C, groups);
  for (let c = 0; c < C; c++) {
    const xc = x + (<usize>(c * H * W) << 2);
    for (let g = 0; g < groups; g++) {
      for (let h = 0; h < 2; h++) {
        const ts = t0 + g * 8 + h * 4;
        const dst = vp + <usize>((g * C + c) * 32 + h * 16);
        if (ts < tEnd) transformInput(xc, H, W, tw, ts, tEnd, dst, panelStride, transformTmp);
        else {
          const z = f32x4.splat(0);
          for (let k = 0; k < 16; k++) v128.store(dst + <usize>k * panelStride, z);
        }
      }
    }
  }
  const OG = (O + 3) >> 2;
  const uStride = <usize>(OG * C * 16); // bytes per ξ in U
  for (let og = 0; og < OG; og++) {
    const up = U + <usize>(og * C * 16);
    for (let g = 0; g < groups; g++) {
      const bp = vp + <usize>(g * C * 32);
      for (let k = 0; k < 16; k++) micro(C, up + <usize>k * uStride, bp + <usize>k * panelStride, mbuf + (<usize>(k * 32) << 2), 8, true);
      for (let r = 0; r < 4; r++) {
        const o = og * 4 + r;
        if (o >= O) break;
        const bias: f32 = biasPtr ? load<f32>(biasPtr + (<usize>o << 2)) : 0;
        const yo = y + (<usize>(o * H * W) << 2);
        for (let h = 0; h < 2; h++) {
          const ts = t0 + g * 8 + h * 4;
          if (ts >= tEnd) break;
          transformOutput(mbuf + (<usize>(r * 8 + h * 4) << 2), 32 * 4, yo, H, W, tw, ts, tEnd, bias, relu);
        }
      }
    }
  }
}
