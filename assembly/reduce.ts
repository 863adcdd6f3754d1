// Sums and first-extremum reductions over a collapsed shape: runs of kept and reduced axes
// alternate. The input is visited in row-major order, accumulating in float64 like the
// reference, so every group sees its terms in the reference's order and results match it
// bit for bit. When the outermost axis is kept, its slices have disjoint groups and are the
// chunks; otherwise the whole reduction is one chunk.

import { f32at, f64at, pi, pu } from './params';

const S_KIND = 0, S_MASK = 1, S_X = 2, S_Y = 3, S_R = 4, S_GROUPS = 5, S_ACC = 6, S_CHUNKED = 7;
const S_DIMS = 8, S_RED = 16, S_OSTR = 24;
const KIND_SUM = 0, KIND_MAX = 1;

@inline function better(kind: i32, v: f32, best: f32): bool {
  return kind == KIND_MAX ? v > best : v < best;
}

/**
 * params: kind (0 sum, 1 max, 2 min), mask, x, y, R, groups, acc, chunked | dims, reduced flags,
 * output strides. acc holds groups float64 sums, or groups float32 bests then groups int32 positions.
 */
export function reduce(chunk: i32, scratch: usize, p: usize): void {
  const kind = pi(p, S_KIND), mask = pi(p, S_MASK) != 0;
  const x = pu(p, S_X), y = pu(p, S_Y), acc = pu(p, S_ACC);
  const R = pi(p, S_R), groups = pi(p, S_GROUPS);
  const chunked = pi(p, S_CHUNKED) != 0;
  // This chunk's slice: input elements [x0, x0 + count), groups [g0, g0 + gcount).
  let count = 1;
  for (let d = chunked ? 1 : 0; d < R; d++) count *= pi(p, S_DIMS + d);
  const x0 = chunked ? chunk * count : 0;
  const gcount = chunked ? pi(p, S_OSTR) : groups;
  const g0 = chunked ? chunk * gcount : 0;
  const bestAt = acc;
  const posAt = acc + (<usize>groups << 2);
  for (let g = g0; g < g0 + gcount; g++) {
    if (kind == KIND_SUM) store<f64>(f64at(acc, g), 0);
    else store<i32>(f32at(posAt, g), -1);
  }
  const first = chunked ? 1 : 0;
  const inner = pi(p, S_DIMS + R - 1);
  const innerReduced = R - 1 >= first && pi(p, S_RED + R - 1) != 0;
  const idx = scratch;
  for (let d = first; d < R; d++) store<i32>(idx + (<usize>d << 2), 0);
  let g = g0;
  for (let e = x0; e < x0 + count; e += inner) {
    const row = f32at(x, e);
    if (kind == KIND_SUM) {
      if (innerReduced || R - 1 < first) {
        let s = load<f64>(f64at(acc, g));
        for (let i = 0; i < inner; i++) s += <f64>load<f32>(f32at(row, i));
        store<f64>(f64at(acc, g), s);
      } else {
        const a = f64at(acc, g);
        let i = 0;
        for (; i + 4 <= inner; i += 4) {
          const v = v128.load(f32at(row, i));
          const lo = f64x2.promote_low_f32x4(v);
          const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
          v128.store(f64at(a, i), f64x2.add(v128.load(f64at(a, i)), lo));
          v128.store(f64at(a, i + 2), f64x2.add(v128.load(f64at(a, i + 2)), hi));
        }
        for (; i < inner; i++) store<f64>(f64at(a, i), load<f64>(f64at(a, i)) + <f64>load<f32>(f32at(row, i)));
      }
    } else {
      const step = innerReduced || R - 1 < first ? 0 : 1;
      for (let i = 0; i < inner; i++) {
        const gi = g + i * step;
        const v = load<f32>(f32at(row, i));
        const pos = load<i32>(f32at(posAt, gi));
        if (pos < 0) {
          store<i32>(f32at(posAt, gi), e + i);
          store<f32>(f32at(bestAt, gi), v);
        } else {
          const best = load<f32>(f32at(bestAt, gi));
          if (best == best && (v != v || better(kind, v, best))) {
            store<i32>(f32at(posAt, gi), e + i);
            store<f32>(f32at(bestAt, gi), v);
          }
        }
      }
    }
    // Advance the index over axes [first, R-1) and recompute the group.
    for (let d = R - 2; d >= first; d--) {
      const at = idx + (<usize>d << 2);
      const i = load<i32>(at) + 1;
      if (i < pi(p, S_DIMS + d)) {
        store<i32>(at, i);
        break;
      }
      store<i32>(at, 0);
    }
    g = g0;
    for (let d = first; d < R - 1; d++) g += load<i32>(idx + (<usize>d << 2)) * pi(p, S_OSTR + d);
  }
  if (kind == KIND_SUM) {
    for (let q = g0; q < g0 + gcount; q++) store<f32>(f32at(y, q), <f32>load<f64>(f64at(acc, q)));
  } else if (!mask) {
    for (let q = g0; q < g0 + gcount; q++) store<f32>(f32at(y, q), load<f32>(f32at(bestAt, q)));
  } else {
    memory.fill(f32at(y, x0), 0, <usize>count << 2);
    for (let q = g0; q < g0 + gcount; q++) store<f32>(f32at(y, load<i32>(f32at(posAt, q))), 1);
  }
}

const SK_X = 0, SK_Y = 1, SK_A = 2, SK_B = 3, SK_C = 4, SK_PER = 5;

/**
 * Sum of x viewed as [A, B, C] over A and C, keeping B (a bias gradient: N and H·W around the
 * channels). reduce() can only split work along a kept outermost axis, so it ran this on one
 * thread; here chunk j takes groups [j·per, (j+1)·per) of B. Each group still sees its terms in
 * row-major order (a, then c) in float64, as in reduce() and the reference: the same bits
 * whatever the chunking. params: x, y, A, B, C, per.
 */
export function sumKept(chunk: i32, scratch: usize, p: usize): void {
  const x = pu(p, SK_X), y = pu(p, SK_Y);
  const A = pi(p, SK_A), B = pi(p, SK_B), C = pi(p, SK_C), per = pi(p, SK_PER);
  const b0 = chunk * per, b1 = b0 + per < B ? b0 + per : B;
  for (let b = b0; b < b1; b++) {
    let s: f64 = 0;
    for (let a = 0; a < A; a++) {
      const row = f32at(x, (a * B + b) * C);
      for (let c = 0; c < C; c++) s += <f64>load<f32>(f32at(row, c));
    }
    store<f32>(f32at(y, b), <f32>s);
  }
}
