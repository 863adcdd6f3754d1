// The orthonormal 1-D DCT along W or H by the basis's symmetry (src/backends/wasm/kernels/dct.ts
// packs the half bases E and O):
//
//   forward (DCT-II):  u_i = x_i + x_{n-1-i}, v_i = x_i - x_{n-1-i}  ->  X_2k = (E u)_k, X_2k+1 = (O v)_k
//   inverse (DCT-III): a = Eᵀ (X_0, X_2, ..), b = Oᵀ (X_1, X_3, ..)  ->  x_i = a_i + b_i, x_{n-1-i} = a_i - b_i
//
// One pass: a chunk folds (or splits) its lines straight into GEMM panels in its scratch,
// multiplies them with the packed half bases on gemm.ts's register tile and merges the tiles
// into the output, so the input is read once and the output written once (separate fold, product
// and merge passes moved the data six times and needed two full-size temporaries).
// Along W a line is a row of n values and a chunk is DCT_ROWS rows; along H a line is a plane of
// n x W values and a chunk is DCT_COLS of its columns.
// Arithmetic: one rounded add or subtract per element before and after the products; each product
// sums its K blocks (of KC floats, from the host) from zero in k order and adds them in order, as
// gemm does. A chunk owns its outputs, so results do not depend on the thread count.

import { micro, transpose4 } from './gemm';
import { f32at, imin, pi, pu } from './params';

export const MODE_FOLD_W = 0, MODE_SPLIT_W = 1, MODE_FOLD_H = 2, MODE_SPLIT_H = 3;
/** Rows of a [rows, n] matrix per chunk along W. */
export const DCT_ROWS: i32 = 32;
/** Columns of a plane per chunk along H. */
export const DCT_COLS: i32 = 64;

// params: mode, src, dst, n, W, lines, E panels, O panels, K block
const S_MODE = 0, S_SRC = 1, S_DST = 2, S_N = 3, S_W = 4, S_LINES = 5, S_E = 6, S_O = 7, S_KC = 8;

const TILE_BYTES: usize = 4 * 8 * 4;

/** Bytes of 4 rows of h floats, rounded up to whole vectors. */
@inline function rowBytes(h: i32): usize {
  return <usize>((h + 3) & ~3) << 2;
}

/** Per-thread scratch for size n: the panels of either direction and two 4x8 tiles. */
export function dctScratch(n: i32): usize {
  const h = n >> 1;
  const wBytes: usize = rowBytes(h) * 8 + <usize>(2 * h * 16); // two sets of 4 rows, two 4-row panels
  const hBytes: usize = <usize>(2 * (DCT_COLS >> 3) * h * 32); // two sets of 8-column panels
  return (wBytes > hBytes ? wBytes : hBytes) + 2 * TILE_BYTES;
}

@inline function reversed(v: v128): v128 {
  return v128.shuffle<f32>(v, v, 3, 2, 1, 0);
}

/** tile (+)= pa[k x 4]ᵀ · pb[k x 8] over k < h in blocks of kc: each block from zero, added in order. */
@inline function product(h: i32, kc: i32, pa: usize, pb: usize, pc: usize, ldc: i32): void {
  for (let k0 = 0; k0 < h; k0 += kc) micro(imin(kc, h - k0), pa + (<usize>k0 << 4), pb + (<usize>k0 << 5), pc, ldc, k0 == 0);
}

/** Four rows of h floats (`stride` bytes apart) into a 4-row panel: dst[k*4 + r]. */
function toPanel(rows: usize, stride: usize, h: i32, dst: usize): void {
  let k = 0;
  for (; k + 4 <= h; k += 4) {
    const o = <usize>k << 2;
    transpose4(rows + o, rows + stride + o, rows + 2 * stride + o, rows + 3 * stride + o, dst + (<usize>k << 4), 16);
  }
  for (; k < h; k++) {
    for (let r = 0; r < 4; r++) store<f32>(dst + (<usize>(k * 4 + r) << 2), load<f32>(rows + <usize>r * stride + (<usize>k << 2)));
  }
}

export function dct1d(chunk: i32, scratch: usize, p: usize): void {
  const mode = pi(p, S_MODE);
  if (mode == MODE_FOLD_W || mode == MODE_SPLIT_W) alongW(chunk, scratch, p, mode);
  else alongH(chunk, scratch, p, mode);
}

/** Rows [chunk * DCT_ROWS, ...) of a [lines, n] matrix, four at a time. */
function alongW(chunk: i32, scratch: usize, p: usize, mode: i32): void {
  const n = pi(p, S_N), h = n >> 1, kc = pi(p, S_KC), lines = pi(p, S_LINES);
  const src = pu(p, S_SRC), dst = pu(p, S_DST), BE = pu(p, S_E), BO = pu(p, S_O);
  const rs = rowBytes(h);
  const rowsU = scratch, rowsV = rowsU + 4 * rs;
  const panU = rowsV + 4 * rs, panV = panU + <usize>(h * 16);
  const tileE = panV + <usize>(h * 16), tileO = tileE + TILE_BYTES;
  const panelBytes = <usize>(h * 32);
  const r1 = imin(lines, (chunk + 1) * DCT_ROWS);
  for (let r0 = chunk * DCT_ROWS; r0 < r1; r0 += 4) {
    const vr = imin(4, r1 - r0);
    for (let r = 0; r < 4; r++) {
      const u = rowsU + <usize>r * rs, v = rowsV + <usize>r * rs;
      if (r >= vr) {
        memory.fill(u, 0, rs);
        memory.fill(v, 0, rs);
        continue;
      }
      const x = f32at(src, (r0 + r) * n);
      let i = 0;
      if (mode == MODE_FOLD_W) {
        for (; i + 4 <= h; i += 4) {
          const f = v128.load(f32at(x, i)), back = reversed(v128.load(f32at(x, n - 4 - i)));
          v128.store(f32at(u, i), f32x4.add(f, back));
          v128.store(f32at(v, i), f32x4.sub(f, back));
        }
        for (; i < h; i++) {
          const f = load<f32>(f32at(x, i)), back = load<f32>(f32at(x, n - 1 - i));
          store<f32>(f32at(u, i), f + back);
          store<f32>(f32at(v, i), f - back);
        }
      } else {
        for (; i + 4 <= h; i += 4) {
          const v0 = v128.load(f32at(x, 2 * i)), v1 = v128.load(f32at(x, 2 * i + 4));
          v128.store(f32at(u, i), v128.shuffle<f32>(v0, v1, 0, 2, 4, 6));
          v128.store(f32at(v, i), v128.shuffle<f32>(v0, v1, 1, 3, 5, 7));
        }
        for (; i < h; i++) {
          store<f32>(f32at(u, i), load<f32>(f32at(x, 2 * i)));
          store<f32>(f32at(v, i), load<f32>(f32at(x, 2 * i + 1)));
        }
      }
    }
    toPanel(rowsU, rs, h, panU);
    toPanel(rowsV, rs, h, panV);
    for (let q = 0; q < h; q += 8) {
      const pq = <usize>(q >> 3) * panelBytes;
      product(h, kc, panU, BE + pq, tileE, 8);
      product(h, kc, panV, BO + pq, tileO, 8);
      const cols = imin(8, h - q);
      for (let r = 0; r < vr; r++) {
        const y = f32at(dst, (r0 + r) * n);
        const te = tileE + <usize>(r * 32), to = tileO + <usize>(r * 32);
        if (mode == MODE_FOLD_W) {
          // y_2j = (E u)_j, y_2j+1 = (O v)_j
          if (cols == 8) {
            const e0 = v128.load(te), e1 = v128.load(te, 16), o0 = v128.load(to), o1 = v128.load(to, 16);
            const d = f32at(y, 2 * q);
            v128.store(d, v128.shuffle<f32>(e0, o0, 0, 4, 1, 5));
            v128.store(d, v128.shuffle<f32>(e0, o0, 2, 6, 3, 7), 16);
            v128.store(d, v128.shuffle<f32>(e1, o1, 0, 4, 1, 5), 32);
            v128.store(d, v128.shuffle<f32>(e1, o1, 2, 6, 3, 7), 48);
          } else {
            for (let c = 0; c < cols; c++) {
              store<f32>(f32at(y, 2 * (q + c)), load<f32>(te + (<usize>c << 2)));
              store<f32>(f32at(y, 2 * (q + c) + 1), load<f32>(to + (<usize>c << 2)));
            }
          }
        } else {
          // y_i = a_i + b_i, y_{n-1-i} = a_i - b_i
          if (cols == 8) {
            for (let half = 0; half < 2; half++) {
              const o = <usize>(half << 4);
              const a = v128.load(te + o), b = v128.load(to + o);
              const i = q + 4 * half;
              v128.store(f32at(y, i), f32x4.add(a, b));
              v128.store(f32at(y, n - 4 - i), reversed(f32x4.sub(a, b)));
            }
          } else {
            for (let c = 0; c < cols; c++) {
              const a = load<f32>(te + (<usize>c << 2)), b = load<f32>(to + (<usize>c << 2));
              store<f32>(f32at(y, q + c), a + b);
              store<f32>(f32at(y, n - 1 - q - c), a - b);
            }
          }
        }
      }
    }
  }
}

/** Columns [w0, w0 + DCT_COLS) of one plane of n x W values. */
function alongH(chunk: i32, scratch: usize, p: usize, mode: i32): void {
  const n = pi(p, S_N), h = n >> 1, kc = pi(p, S_KC), W = pi(p, S_W);
  const src = pu(p, S_SRC), dst = pu(p, S_DST), AE = pu(p, S_E), AO = pu(p, S_O);
  const blocks = (W + DCT_COLS - 1) / DCT_COLS;
  const plane = chunk / blocks;
  const w0 = (chunk - plane * blocks) * DCT_COLS, wl = imin(DCT_COLS, W - w0);
  const x = f32at(src, plane * n * W), y = f32at(dst, plane * n * W);
  const panelBytes = <usize>(h * 32);
  const panA = scratch, panB = panA + <usize>(DCT_COLS >> 3) * panelBytes;
  const tileA = panB + <usize>(DCT_COLS >> 3) * panelBytes, tileB = tileA + TILE_BYTES;
  const fold = mode == MODE_FOLD_H;
  // 8-column panels of u and v (fold) or of the even and odd rows (split)
  for (let q = 0; q < wl; q += 8) {
    const c0 = w0 + q, cols = imin(8, wl - q);
    let da = panA + <usize>(q >> 3) * panelBytes, db = panB + <usize>(q >> 3) * panelBytes;
    for (let k = 0; k < h; k++, da += 32, db += 32) {
      const s = f32at(x, (fold ? k : 2 * k) * W + c0);
      const t = f32at(x, (fold ? n - 1 - k : 2 * k + 1) * W + c0);
      if (cols == 8) {
        const s0 = v128.load(s), s1 = v128.load(s, 16), t0 = v128.load(t), t1 = v128.load(t, 16);
        if (fold) {
          v128.store(da, f32x4.add(s0, t0)); v128.store(da, f32x4.add(s1, t1), 16);
          v128.store(db, f32x4.sub(s0, t0)); v128.store(db, f32x4.sub(s1, t1), 16);
        } else {
          v128.store(da, s0); v128.store(da, s1, 16);
          v128.store(db, t0); v128.store(db, t1, 16);
        }
      } else {
        for (let c = 0; c < 8; c++) {
          const o = <usize>c << 2;
          const sv: f32 = c < cols ? load<f32>(s + o) : 0, tv: f32 = c < cols ? load<f32>(t + o) : 0;
          store<f32>(da + o, fold ? sv + tv : sv);
          store<f32>(db + o, fold ? sv - tv : tv);
        }
      }
    }
  }
  for (let q = 0; q < wl; q += 8) {
    const c0 = w0 + q, cols = imin(8, wl - q);
    const pa = panA + <usize>(q >> 3) * panelBytes, pb = panB + <usize>(q >> 3) * panelBytes;
    for (let j = 0; j < h; j += 4) {
      const ae = AE + <usize>(j >> 2) * <usize>(h * 16), ao = AO + <usize>(j >> 2) * <usize>(h * 16);
      const rows = imin(4, h - j);
      if (fold && rows == 4 && cols == 8) {
        // rows 2j.. and 2j+1.. of the output, every other row: straight from the register tile
        product(h, kc, ae, pa, f32at(y, 2 * j * W + c0), 2 * W);
        product(h, kc, ao, pb, f32at(y, (2 * j + 1) * W + c0), 2 * W);
        continue;
      }
      product(h, kc, ae, pa, tileA, 8);
      product(h, kc, ao, pb, tileB, 8);
      for (let r = 0; r < rows; r++) {
        const ta = tileA + <usize>(r * 32), tb = tileB + <usize>(r * 32);
        const i = j + r;
        // fold: y_2i = (E u)_i, y_2i+1 = (O v)_i; split: y_i = a_i + b_i, y_{n-1-i} = a_i - b_i
        const y0 = f32at(y, (fold ? 2 * i : i) * W + c0);
        const y1 = f32at(y, (fold ? 2 * i + 1 : n - 1 - i) * W + c0);
        if (cols == 8) {
          const a0 = v128.load(ta), a1 = v128.load(ta, 16), b0 = v128.load(tb), b1 = v128.load(tb, 16);
          if (fold) {
            v128.store(y0, a0); v128.store(y0, a1, 16);
            v128.store(y1, b0); v128.store(y1, b1, 16);
          } else {
            v128.store(y0, f32x4.add(a0, b0)); v128.store(y0, f32x4.add(a1, b1), 16);
            v128.store(y1, f32x4.sub(a0, b0)); v128.store(y1, f32x4.sub(a1, b1), 16);
          }
        } else {
          for (let c = 0; c < cols; c++) {
            const o = <usize>c << 2;
            const a = load<f32>(ta + o), b = load<f32>(tb + o);
            store<f32>(y0 + o, fold ? a : a + b);
            store<f32>(y1 + o, fold ? b : a - b);
          }
        }
      }
    }
  }
}
