// Blocked single-precision GEMM, C = A·B, shared by matmul and the three convolution kernels.
//
// One chunk computes S_MG blocks of MC rows by nc columns of C for one batch entry (or, for the
// weight gradient, one image's contribution), with its own packing buffers in the calling
// thread's scratch.
// Each C element is produced by exactly one chunk, and its value depends only on the shapes
// (block sizes are fixed constants or derived from shapes by the host), never on the thread
// count. Within a K block, a 4x8 register tile accumulates from zero in k order; blocks are
// then added into C in order.
//
// The operands are never materialised as matrices: the packers read them straight from
// tensors (plain, transposed, or through an implicit im2col), which is where the modes differ.

import { f32at, imin, pi, pu } from './params';

export const MC: i32 = 64;
export const NC_MAX: i32 = 256;
export const KC_MAX: i32 = 256;
const PACK_A_BYTES: usize = <usize>(MC * KC_MAX * 4);
const PACK_B_BYTES: usize = <usize>(KC_MAX * NC_MAX * 4);
const TILE_BYTES: usize = 4 * 8 * 4;
const OFFS_BYTES: usize = 3 * 8 * 4;
/** Per-thread scratch a gemm chunk needs: packed A, packed B, an edge tile, tap offsets. */
export const GEMM_SCRATCH: usize = PACK_A_BYTES + PACK_B_BYTES + TILE_BYTES + OFFS_BYTES;

export const MODE_MATMUL = 0;
export const MODE_CONV_FWD = 1;
export const MODE_CONV_GRAD_INPUT = 2;
export const MODE_CONV_GRAD_WEIGHT = 3;

// Parameter slots.
const S_MODE = 0, S_M = 1, S_N = 2, S_K = 3, S_A = 4, S_B = 5, S_C = 6, S_BIAS = 7;
const S_BATCHES = 8, S_TRANS_A = 9, S_TRANS_B = 10, S_TABLE = 11;
const S_CIN = 12, S_H = 13, S_W = 14, S_HO = 15, S_WO = 16, S_KH = 17, S_KW = 18;
const S_SH = 19, S_SW = 20, S_PH = 21, S_PW = 22, S_O = 23, S_KC = 24, S_NC = 25, S_MG = 26, S_RELU = 27;

/**
 * a·b + c. The default build multiplies and adds (two roundings, the same bits on every
 * machine); the build with relaxed SIMD enabled uses relaxed_madd, which V8 lowers to a fused
 * multiply-add where the CPU has one: one instruction instead of two, one rounding instead of two.
 */
@inline function mad(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

// ---- register tile ---------------------------------------------------------------------------

/**
 * C[4x8] (+)= Apanel[kc x 4]ᵀ · Bpanel[kc x 8]. Accumulators start at zero; `first` stores the
 * block's sum, otherwise it is added to C. Written as one k step per iteration: V8 hoists the
 * loads of an unrolled body above the arithmetic and spills the accumulators.
 */
export function micro(kc: i32, pa: usize, pb: usize, pc: usize, ldc: i32, first: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const end = pb + (<usize>kc << 5);
  while (pb < end) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = mad(a, b0, c00); c01 = mad(a, b1, c01);
    a = v128.load32_splat(pa, 4);
    c10 = mad(a, b0, c10); c11 = mad(a, b1, c11);
    a = v128.load32_splat(pa, 8);
    c20 = mad(a, b0, c20); c21 = mad(a, b1, c21);
    a = v128.load32_splat(pa, 12);
    c30 = mad(a, b0, c30); c31 = mad(a, b1, c31);
    pa += 16;
    pb += 32;
  }
  const s = <usize>ldc << 2;
  if (first) {
    v128.store(pc, c00); v128.store(pc, c01, 16); pc += s;
    v128.store(pc, c10); v128.store(pc, c11, 16); pc += s;
    v128.store(pc, c20); v128.store(pc, c21, 16); pc += s;
    v128.store(pc, c30); v128.store(pc, c31, 16);
  } else {
    v128.store(pc, f32x4.add(v128.load(pc), c00)); v128.store(pc, f32x4.add(v128.load(pc, 16), c01), 16); pc += s;
    v128.store(pc, f32x4.add(v128.load(pc), c10)); v128.store(pc, f32x4.add(v128.load(pc, 16), c11), 16); pc += s;
    v128.store(pc, f32x4.add(v128.load(pc), c20)); v128.store(pc, f32x4.add(v128.load(pc, 16), c21), 16); pc += s;
    v128.store(pc, f32x4.add(v128.load(pc), c30)); v128.store(pc, f32x4.add(v128.load(pc, 16), c31), 16);
  }
}

/** A partial tile at the matrix edge goes through an 8-wide temporary, with the same arithmetic. */
function microEdge(kc: i32, pa: usize, pb: usize, pc: usize, ldc: i32, first: bool, rows: i32, cols: i32, tile: usize): void {
  if (!first) {
    for (let r = 0; r < 4; r++) {
      for (let c = 0; c < 8; c++) {
        store<f32>(tile + (<usize>(r * 8 + c) << 2), r < rows && c < cols ? load<f32>(pc + (<usize>(r * ldc + c) << 2)) : 0);
      }
    }
  }
  micro(kc, pa, pb, tile, 8, first);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      store<f32>(pc + (<usize>(r * ldc + c) << 2), load<f32>(tile + (<usize>(r * 8 + c) << 2)));
    }
  }
}

// ---- packing helpers -------------------------------------------------------------------------

/** Four rows of four floats, transposed, stored as four k-steps of a panel `stride` bytes apart. */
@inline export function transpose4(s0: usize, s1: usize, s2: usize, s3: usize, d: usize, stride: usize): void {
  const v0 = v128.load(s0), v1 = v128.load(s1), v2 = v128.load(s2), v3 = v128.load(s3);
  const a = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5);
  const b = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5);
  const c = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7);
  const e = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
  v128.store(d, v128.shuffle<f32>(a, b, 0, 1, 4, 5));
  v128.store(d + stride, v128.shuffle<f32>(a, b, 2, 3, 6, 7));
  v128.store(d + 2 * stride, v128.shuffle<f32>(c, e, 0, 1, 4, 5));
  v128.store(d + 3 * stride, v128.shuffle<f32>(c, e, 2, 3, 6, 7));
}

/**
 * Packs `valid` source rows (each contiguous along k, `rowStride` bytes apart) into a panel of
 * width R (4 or 8): dst[k*R + r]. Missing rows are zero.
 */
function packRowsTransposed(dst: usize, R: i32, src: usize, rowStride: usize, valid: i32, kl: i32): void {
  const stride = <usize>R << 2;
  for (let g = 0; g < R; g += 4) {
    const d0 = dst + (<usize>g << 2);
    if (g + 4 <= valid) {
      const s0 = src + <usize>g * rowStride;
      const s1 = s0 + rowStride, s2 = s1 + rowStride, s3 = s2 + rowStride;
      let k = 0;
      for (; k + 4 <= kl; k += 4) {
        const o = <usize>k << 2;
        transpose4(s0 + o, s1 + o, s2 + o, s3 + o, d0 + <usize>k * stride, stride);
      }
      for (; k < kl; k++) {
        const o = <usize>k << 2;
        const d = d0 + <usize>k * stride;
        store<f32>(d, load<f32>(s0 + o));
        store<f32>(d, load<f32>(s1 + o), 4);
        store<f32>(d, load<f32>(s2 + o), 8);
        store<f32>(d, load<f32>(s3 + o), 12);
      }
    } else {
      for (let r = 0; r < 4; r++) {
        const row = g + r;
        const s = src + <usize>row * rowStride;
        let d = d0 + (<usize>r << 2);
        for (let k = 0; k < kl; k++, d += stride) store<f32>(d, row < valid ? load<f32>(s + (<usize>k << 2)) : 0);
      }
    }
  }
}

/** Packs rows of a row-major matrix (k rows, `ld` floats apart) into a panel of width R: dst[k*R + c]. */
function packRowsDirect(dst: usize, R: i32, src: usize, ld: i32, valid: i32, kl: i32): void {
  const stride = <usize>R << 2;
  const ldb = <usize>ld << 2;
  let d = dst, s = src;
  if (valid == R) {
    if (R == 8) {
      for (let k = 0; k < kl; k++, d += stride, s += ldb) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
      }
    } else {
      for (let k = 0; k < kl; k++, d += stride, s += ldb) v128.store(d, v128.load(s));
    }
    return;
  }
  for (let k = 0; k < kl; k++, d += stride, s += ldb) {
    for (let c = 0; c < R; c++) store<f32>(d + (<usize>c << 2), c < valid ? load<f32>(s + (<usize>c << 2)) : 0);
  }
}

// ---- operand packers per mode ----------------------------------------------------------------

/** Rows [m0, m0+mr) and k in [k0, k0+kl) of A into 4-row panels. */
function packA(p: usize, mode: i32, batch: i32, img: i32, m0: i32, mr: i32, k0: i32, kl: i32, dst: usize): void {
  const M = pi(p, S_M), K = pi(p, S_K);
  const A = pu(p, S_A);
  const panelBytes = <usize>(kl * 16);
  for (let i = 0; i < mr; i += 4) {
    const rows = imin(4, mr - i);
    const d = dst + <usize>(i >> 2) * panelBytes;
    const row = m0 + i;
    if (mode == MODE_MATMUL || mode == MODE_CONV_FWD) {
      const base = mode == MODE_MATMUL ? A + (<usize>load<u32>(pu(p, S_TABLE) + (<usize>batch << 3)) << 2) : A;
      if (mode == MODE_MATMUL && pi(p, S_TRANS_A)) {
        packRowsDirect(d, 4, base + (<usize>(k0 * M + row) << 2), M, rows, kl);
      } else {
        packRowsTransposed(d, 4, base + (<usize>(row * K + k0) << 2), <usize>K << 2, rows, kl);
      }
    } else if (mode == MODE_CONV_GRAD_INPUT) {
      // A[c][(o, t)] = W[o][c][t]
      const C = pi(p, S_CIN), T = pi(p, S_KH) * pi(p, S_KW);
      for (let r = 0; r < 4; r++) {
        const c = row + r;
        let o = k0 / T, t = k0 - o * T;
        let dd = d + (<usize>r << 2);
        for (let k = 0; k < kl; k++, dd += 16) {
          store<f32>(dd, r < rows ? load<f32>(f32at(A, (o * C + c) * T + t)) : 0);
          if (++t == T) { t = 0; o++; }
        }
      }
    } else {
      // A[o][q] = gradOut[img][o][q], K blocks stay inside one image
      const P = pi(p, S_HO) * pi(p, S_WO), O = pi(p, S_O);
      packRowsTransposed(d, 4, A + (<usize>((img * O + row) * P + k0) << 2), <usize>P << 2, rows, kl);
    }
  }
}

/** Columns [n0, n0+nr) and k in [k0, k0+kl) of B into 8-column panels. */
function packB(p: usize, mode: i32, batch: i32, img: i32, k0: i32, kl: i32, n0: i32, nr: i32, dst: usize, scratch: usize): void {
  const N = pi(p, S_N), K = pi(p, S_K);
  const B = pu(p, S_B);
  const panelBytes = <usize>(kl * 32);
  for (let j = 0; j < nr; j += 8) {
    const cols = imin(8, nr - j);
    const d = dst + <usize>(j >> 3) * panelBytes;
    const col = n0 + j;
    if (mode == MODE_MATMUL) {
      const base = B + (<usize>load<u32>(pu(p, S_TABLE) + (<usize>batch << 3) + 4) << 2);
      if (pi(p, S_TRANS_B)) packRowsTransposed(d, 8, base + (<usize>(col * K + k0) << 2), <usize>K << 2, cols, kl);
      else packRowsDirect(d, 8, base + (<usize>(k0 * N + col) << 2), N, cols, kl);
    } else if (mode == MODE_CONV_FWD) {
      packIm2col(p, img, k0, kl, col, cols, d);
    } else if (mode == MODE_CONV_GRAD_INPUT) {
      packIm2colTransposed(p, img, k0, kl, col, cols, d);
    } else {
      packIm2colRows(p, img, k0, kl, col, cols, d, scratch);
    }
  }
}

/**
 * Forward conv: B[(c, ky, kx)][(oy, ox)] = x[img][c][oy*sh - ph + ky][ox*sw - pw + kx], zero
 * outside. Eight outputs in one row with stride 1 and no clipping are one contiguous load.
 */
function packIm2col(p: usize, img: i32, k0: i32, kl: i32, col: i32, cols: i32, d: usize): void {
  const C = pi(p, S_CIN), H = pi(p, S_H), W = pi(p, S_W), Wo = pi(p, S_WO);
  const kh = pi(p, S_KH), kw = pi(p, S_KW), sh = pi(p, S_SH), sw = pi(p, S_SW), ph = pi(p, S_PH), pw = pi(p, S_PW);
  const T = kh * kw;
  const x = pu(p, S_B) + (<usize>(img * C * H * W) << 2);
  const oy0 = col / Wo, ox0 = col - oy0 * Wo;
  const sameRow = cols == 8 && ox0 + 8 <= Wo;
  let c = k0 / T, t = k0 - c * T;
  let ky = t / kw, kx = t - ky * kw;
  const zero = f32x4.splat(0);
  for (let k = 0; k < kl; k++, d += 32) {
    if (sameRow) {
      const iy = oy0 * sh - ph + ky;
      const ix0 = ox0 * sw - pw + kx;
      if (iy < 0 || iy >= H) {
        v128.store(d, zero); v128.store(d, zero, 16);
      } else {
        const rowPtr = x + (<usize>((c * H + iy) * W) << 2);
        if (sw == 1 && ix0 >= 0 && ix0 + 8 <= W) {
          const s = rowPtr + (<usize>ix0 << 2);
          v128.store(d, v128.load(s)); v128.store(d, v128.load(s, 16), 16);
        } else {
          for (let q = 0; q < 8; q++) {
            const ix = ix0 + q * sw;
            store<f32>(d + (<usize>q << 2), ix >= 0 && ix < W ? load<f32>(rowPtr + (<usize>ix << 2)) : 0);
          }
        }
      }
    } else {
      for (let q = 0; q < 8; q++) {
        let v: f32 = 0;
        if (q < cols) {
          const j = col + q;
          const oy = j / Wo, ox = j - oy * Wo;
          const iy = oy * sh - ph + ky, ix = ox * sw - pw + kx;
          if (iy >= 0 && iy < H && ix >= 0 && ix < W) v = load<f32>(f32at(x, (c * H + iy) * W + ix));
        }
        store<f32>(d + (<usize>q << 2), v);
      }
    }
    if (++kx == kw) { kx = 0; if (++ky == kh) { ky = 0; c++; } }
  }
}

/**
 * Input gradient as a correlation of gradOut: B[(o, ky, kx)][(y, x)] = g[img][o][(y+ph-ky)/sh][(x+pw-kx)/sw]
 * where both divisions are exact and in range, else zero.
 */
function packIm2colTransposed(p: usize, img: i32, k0: i32, kl: i32, col: i32, cols: i32, d: usize): void {
  const H = pi(p, S_H), W = pi(p, S_W), Ho = pi(p, S_HO), Wo = pi(p, S_WO), O = pi(p, S_O);
  const kh = pi(p, S_KH), kw = pi(p, S_KW), sh = pi(p, S_SH), sw = pi(p, S_SW), ph = pi(p, S_PH), pw = pi(p, S_PW);
  const T = kh * kw;
  const g = pu(p, S_B) + (<usize>(img * O * Ho * Wo) << 2);
  const y0 = col / W, x0 = col - y0 * W;
  const sameRow = cols == 8 && x0 + 8 <= W;
  let o = k0 / T, t = k0 - o * T;
  let ky = t / kw, kx = t - ky * kw;
  const zero = f32x4.splat(0);
  for (let k = 0; k < kl; k++, d += 32) {
    if (sameRow) {
      const ny = y0 + ph - ky;
      const oy = ny / sh;
      if (ny < 0 || oy * sh != ny || oy >= Ho) {
        v128.store(d, zero); v128.store(d, zero, 16);
      } else {
        const rowPtr = g + (<usize>((o * Ho + oy) * Wo) << 2);
        const nx0 = x0 + pw - kx;
        if (sw == 1 && nx0 >= 0 && nx0 + 8 <= Wo) {
          const s = rowPtr + (<usize>nx0 << 2);
          v128.store(d, v128.load(s)); v128.store(d, v128.load(s, 16), 16);
        } else {
          for (let q = 0; q < 8; q++) {
            const nx = nx0 + q;
            const ox = nx / sw;
            store<f32>(d + (<usize>q << 2), nx >= 0 && ox * sw == nx && ox < Wo ? load<f32>(rowPtr + (<usize>ox << 2)) : 0);
          }
        }
      }
    } else {
      for (let q = 0; q < 8; q++) {
        let v: f32 = 0;
        if (q < cols) {
          const j = col + q;
          const y = j / W, xx = j - y * W;
          const ny = y + ph - ky, nx = xx + pw - kx;
          if (ny >= 0 && nx >= 0) {
            const oy = ny / sh, ox = nx / sw;
            if (oy * sh == ny && ox * sw == nx && oy < Ho && ox < Wo) v = load<f32>(f32at(g, (o * Ho + oy) * Wo + ox));
          }
        }
        store<f32>(d + (<usize>q << 2), v);
      }
    }
    if (++kx == kw) { kx = 0; if (++ky == kh) { ky = 0; o++; } }
  }
}

/**
 * Weight gradient: B[q][(c, ky, kx)] = x[img][c][oy*sh - ph + ky][ox*sw - pw + kx] with
 * q = (oy, ox). Each k step gathers 8 taps; away from the border they are fixed offsets from
 * the window's corner, kept in scratch.
 */
function packIm2colRows(p: usize, img: i32, k0: i32, kl: i32, col: i32, cols: i32, d: usize, offs: usize): void {
  const C = pi(p, S_CIN), H = pi(p, S_H), W = pi(p, S_W), Wo = pi(p, S_WO);
  const kh = pi(p, S_KH), kw = pi(p, S_KW), sh = pi(p, S_SH), sw = pi(p, S_SW), ph = pi(p, S_PH), pw = pi(p, S_PW);
  const T = kh * kw;
  const x = pu(p, S_B) + (<usize>(img * C * H * W) << 2);
  // offs[q] = (c*H + ky)*W + kx, offs[8 + q] = ky, offs[16 + q] = kx
  for (let q = 0; q < 8; q++) {
    const j = col + (q < cols ? q : 0);
    const c = j / T, t = j - c * T, ky = t / kw, kx = t - ky * kw;
    store<i32>(offs + (<usize>q << 2), (c * H + ky) * W + kx);
    store<i32>(offs + (<usize>(8 + q) << 2), ky);
    store<i32>(offs + (<usize>(16 + q) << 2), kx);
  }
  let oy = k0 / Wo, ox = k0 - oy * Wo;
  for (let k = 0; k < kl; k++, d += 32) {
    const by = oy * sh - ph, bx = ox * sw - pw;
    if (cols == 8 && by >= 0 && by + kh <= H && bx >= 0 && bx + kw <= W) {
      const base = x + (<usize>(by * W + bx) << 2);
      for (let q = 0; q < 8; q++) {
        store<f32>(d + (<usize>q << 2), load<f32>(base + (<usize>load<i32>(offs + (<usize>q << 2)) << 2)));
      }
    } else {
      for (let q = 0; q < 8; q++) {
        let v: f32 = 0;
        if (q < cols) {
          const iy = by + load<i32>(offs + (<usize>(8 + q) << 2));
          const ix = bx + load<i32>(offs + (<usize>(16 + q) << 2));
          if (iy >= 0 && iy < H && ix >= 0 && ix < W) v = load<f32>(f32at(x, by * W + bx + load<i32>(offs + (<usize>q << 2))));
        }
        store<f32>(d + (<usize>q << 2), v);
      }
    }
    if (++ox == Wo) { ox = 0; oy++; }
  }
}

// ---- driver ----------------------------------------------------------------------------------

/**
 * One K block of one chunk: B's kl x nr block is packed once and serves each of the chunk's
 * M blocks in turn (packing B cost about as much as the arithmetic it fed when it was redone
 * per M block); A is packed per M block.
 */
function kStep(p: usize, mode: i32, batch: i32, img: i32, m0: i32, m1: i32, n0: i32, nr: i32, k0: i32, kl: i32, first: bool, cBase: usize, ldc: i32, scratch: usize): void {
  const pa = scratch;
  const pb = scratch + PACK_A_BYTES;
  const tileBuf = pb + PACK_B_BYTES;
  const offs = tileBuf + TILE_BYTES;
  packB(p, mode, batch, img, k0, kl, n0, nr, pb, offs);
  for (let mb = m0; mb < m1; mb += MC) {
    const mr = imin(MC, m1 - mb);
    packA(p, mode, batch, img, mb, mr, k0, kl, pa);
    for (let j = 0; j < nr; j += 8) {
      const bp = pb + <usize>(j >> 3) * <usize>(kl * 32);
      const cols = imin(8, nr - j);
      for (let i = 0; i < mr; i += 4) {
        const ap = pa + <usize>(i >> 2) * <usize>(kl * 16);
        const cp = cBase + (<usize>((mb + i) * ldc + n0 + j) << 2);
        const rows = imin(4, mr - i);
        if (rows == 4 && cols == 8) micro(kl, ap, bp, cp, ldc, first);
        else microEdge(kl, ap, bp, cp, ldc, first, rows, cols, tileBuf);
      }
    }
  }
}

/** Rows of C one chunk computes: S_MG blocks of MC rows (the host picks S_MG from the shapes). */
@inline function chunkRows(p: usize): i32 {
  return pi(p, S_MG) * MC;
}

export function gemm(chunk: i32, scratch: usize, p: usize): void {
  const mode = pi(p, S_MODE);
  const M = pi(p, S_M), N = pi(p, S_N), K = pi(p, S_K);
  const kc = pi(p, S_KC), nc = pi(p, S_NC), mc = chunkRows(p);
  const mBlocks = (M + mc - 1) / mc, nBlocks = (N + nc - 1) / nc;
  const per = mBlocks * nBlocks;
  const batch = chunk / per;
  const r = chunk - batch * per;
  const mb = r / nBlocks, nb = r - mb * nBlocks;
  const m0 = mb * mc, m1 = imin(M, m0 + mc);
  const n0 = nb * nc, nr = imin(nc, N - n0);
  // Batch entries of C are contiguous; for the weight gradient the batch is the image and C
  // is that image's slice of a stack of partial gradients. Each C element sums its K blocks in
  // order whatever the grouping, so S_MG changes the speed, never the result.
  const cBase = pu(p, S_C) + (<usize>batch * <usize>M * <usize>N << 2);
  if (mode == MODE_CONV_GRAD_WEIGHT) {
    const P = pi(p, S_HO) * pi(p, S_WO);
    for (let q0 = 0; q0 < P; q0 += kc) kStep(p, mode, 0, batch, m0, m1, n0, nr, q0, imin(kc, P - q0), q0 == 0, cBase, N, scratch);
  } else {
    for (let k0 = 0; k0 < K; k0 += kc) kStep(p, mode, batch, batch, m0, m1, n0, nr, k0, imin(kc, K - k0), k0 == 0, cBase, N, scratch);
  }
  // epilogue: + bias, then max(c, 0) with relu (wasm's max: NaN stays NaN, -0 becomes +0, as the relu op)
  const bias = pu(p, S_BIAS), relu = pi(p, S_RELU) != 0;
  if (bias != 0 || relu) {
    const z = f32x4.splat(0);
    for (let i = m0; i < m1; i++) {
      const b = f32x4.splat(bias != 0 ? load<f32>(f32at(bias, i)) : 0);
      let cp = cBase + (<usize>(i * N + n0) << 2);
      let j = 0;
      for (; j + 4 <= nr; j += 4, cp += 16) {
        let v = v128.load(cp);
        if (bias != 0) v = f32x4.add(v, b);
        v128.store(cp, relu ? f32x4.max(v, z) : v);
      }
      for (; j < nr; j++, cp += 4) {
        let v = f32x4.splat(load<f32>(cp));
        if (bias != 0) v = f32x4.add(v, b);
        store<f32>(cp, f32x4.extract_lane(relu ? f32x4.max(v, z) : v, 0));
      }
    }
  }
}
