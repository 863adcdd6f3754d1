// The passes around the two half-size products of the 1-D DCT (src/backends/wasm/kernels/dct.ts):
// before them the input is split into the halves the even and odd basis rows act on, after them
// the two results are merged into the output. Along W a line is a contiguous row of n values;
// along H it is a column of a plane, so whole rows move at once.
//
//   forward (DCT-II):  u_i = x_i + x_{n-1-i}, v_i = x_i - x_{n-1-i}  ->  X_2k = (E u)_k, X_2k+1 = (O v)_k
//   inverse (DCT-III): a = Eᵀ (X_0, X_2, ..), b = Oᵀ (X_1, X_3, ..)  ->  x_i = a_i + b_i, x_{n-1-i} = a_i - b_i
//
// Exact data movement apart from one rounded add or subtract per element; a chunk owns its lines.

import { f32at, imin, pi, pu } from './params';

export const MODE_FOLD_W = 0, MODE_SPLIT_W = 1, MODE_FOLD_H = 2, MODE_SPLIT_H = 3;
/** Rows of a [rows, n] matrix per chunk along W. */
export const DCT_ROWS: i32 = 32;

const S_MODE = 0, S_SRC = 1, S_A = 2, S_B = 3, S_N = 4, S_W = 5, S_LINES = 6;

@inline function reversed(v: v128): v128 {
  return v128.shuffle<f32>(v, v, 3, 2, 1, 0);
}

/** Rows of W values: sum = p + q, diff = p - q. */
function sumDiff(p: usize, q: usize, sum: usize, diff: usize, W: i32): void {
  let j = 0;
  for (; j + 4 <= W; j += 4) {
    const o = <usize>j << 2;
    const a = v128.load(p + o), b = v128.load(q + o);
    v128.store(sum + o, f32x4.add(a, b));
    v128.store(diff + o, f32x4.sub(a, b));
  }
  for (; j < W; j++) {
    const o = <usize>j << 2;
    const a = load<f32>(p + o), b = load<f32>(q + o);
    store<f32>(sum + o, a + b);
    store<f32>(diff + o, a - b);
  }
}

/**
 * Before the products. params: mode, src, a, b, n, W, lines. Along W, lines = rows of n values
 * and a chunk is DCT_ROWS of them; along H, lines = planes of n x W values, one per chunk.
 *   fold: a = x_i + x_{n-1-i}, b = x_i - x_{n-1-i} (i < n/2); split: a = x_{2k}, b = x_{2k+1}.
 */
export function dctSplit(chunk: i32, scratch: usize, p: usize): void {
  const mode = pi(p, S_MODE), n = pi(p, S_N), W = pi(p, S_W), h = n >> 1;
  const src = pu(p, S_SRC), A = pu(p, S_A), B = pu(p, S_B);
  if (mode == MODE_FOLD_W || mode == MODE_SPLIT_W) {
    const r1 = imin(pi(p, S_LINES), (chunk + 1) * DCT_ROWS);
    for (let r = chunk * DCT_ROWS; r < r1; r++) {
      const x = f32at(src, r * n), a = f32at(A, r * h), b = f32at(B, r * h);
      let i = 0;
      if (mode == MODE_FOLD_W) {
        for (; i + 4 <= h; i += 4) {
          const f = v128.load(f32at(x, i)), back = reversed(v128.load(f32at(x, n - 4 - i)));
          v128.store(f32at(a, i), f32x4.add(f, back));
          v128.store(f32at(b, i), f32x4.sub(f, back));
        }
        for (; i < h; i++) {
          const f = load<f32>(f32at(x, i)), back = load<f32>(f32at(x, n - 1 - i));
          store<f32>(f32at(a, i), f + back);
          store<f32>(f32at(b, i), f - back);
        }
      } else {
        for (; i + 4 <= h; i += 4) {
          const v0 = v128.load(f32at(x, 2 * i)), v1 = v128.load(f32at(x, 2 * i + 4));
          v128.store(f32at(a, i), v128.shuffle<f32>(v0, v1, 0, 2, 4, 6));
          v128.store(f32at(b, i), v128.shuffle<f32>(v0, v1, 1, 3, 5, 7));
        }
        for (; i < h; i++) {
          store<f32>(f32at(a, i), load<f32>(f32at(x, 2 * i)));
          store<f32>(f32at(b, i), load<f32>(f32at(x, 2 * i + 1)));
        }
      }
    }
    return;
  }
  // along H: plane `chunk` of n rows of W values in, h rows of W values to each of a and b
  const x = f32at(src, chunk * n * W), a = f32at(A, chunk * h * W), b = f32at(B, chunk * h * W);
  const rowBytes = <usize>W << 2;
  for (let i = 0; i < h; i++) {
    const da = a + <usize>i * rowBytes, db = b + <usize>i * rowBytes;
    if (mode == MODE_SPLIT_H) {
      memory.copy(da, x + <usize>(2 * i) * rowBytes, rowBytes);
      memory.copy(db, x + <usize>(2 * i + 1) * rowBytes, rowBytes);
      continue;
    }
    sumDiff(x + <usize>i * rowBytes, x + <usize>(n - 1 - i) * rowBytes, da, db, W);
  }
}

/**
 * After the products, the same modes undone into dst (params: mode, dst, a, b, n, W, lines):
 *   after a fold (forward): y_{2k} = a_k, y_{2k+1} = b_k;
 *   after a split (inverse): y_i = a_i + b_i, y_{n-1-i} = a_i - b_i.
 */
export function dctMerge(chunk: i32, scratch: usize, p: usize): void {
  const mode = pi(p, S_MODE), n = pi(p, S_N), W = pi(p, S_W), h = n >> 1;
  const dst = pu(p, S_SRC), A = pu(p, S_A), B = pu(p, S_B);
  if (mode == MODE_FOLD_W || mode == MODE_SPLIT_W) {
    const r1 = imin(pi(p, S_LINES), (chunk + 1) * DCT_ROWS);
    for (let r = chunk * DCT_ROWS; r < r1; r++) {
      const y = f32at(dst, r * n), a = f32at(A, r * h), b = f32at(B, r * h);
      let i = 0;
      if (mode == MODE_FOLD_W) {
        for (; i + 4 <= h; i += 4) {
          const va = v128.load(f32at(a, i)), vb = v128.load(f32at(b, i));
          v128.store(f32at(y, 2 * i), v128.shuffle<f32>(va, vb, 0, 4, 1, 5));
          v128.store(f32at(y, 2 * i + 4), v128.shuffle<f32>(va, vb, 2, 6, 3, 7));
        }
        for (; i < h; i++) {
          store<f32>(f32at(y, 2 * i), load<f32>(f32at(a, i)));
          store<f32>(f32at(y, 2 * i + 1), load<f32>(f32at(b, i)));
        }
      } else {
        for (; i + 4 <= h; i += 4) {
          const va = v128.load(f32at(a, i)), vb = v128.load(f32at(b, i));
          v128.store(f32at(y, i), f32x4.add(va, vb));
          v128.store(f32at(y, n - 4 - i), reversed(f32x4.sub(va, vb)));
        }
        for (; i < h; i++) {
          const va = load<f32>(f32at(a, i)), vb = load<f32>(f32at(b, i));
          store<f32>(f32at(y, i), va + vb);
          store<f32>(f32at(y, n - 1 - i), va - vb);
        }
      }
    }
    return;
  }
  const y = f32at(dst, chunk * n * W), a = f32at(A, chunk * h * W), b = f32at(B, chunk * h * W);
  const rowBytes = <usize>W << 2;
  for (let i = 0; i < h; i++) {
    const sa = a + <usize>i * rowBytes, sb = b + <usize>i * rowBytes;
    if (mode == MODE_FOLD_H) {
      memory.copy(y + <usize>(2 * i) * rowBytes, sa, rowBytes);
      memory.copy(y + <usize>(2 * i + 1) * rowBytes, sb, rowBytes);
      continue;
    }
    sumDiff(sa, sb, y + <usize>i * rowBytes, y + <usize>(n - 1 - i) * rowBytes, W);
  }
}
