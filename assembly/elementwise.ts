// Elementwise kernels over fixed chunks of CHUNK elements. Arithmetic that the reference does
// in float64 (affine, comparisons with a float64 scalar, clamp bounds, transcendental
// functions) is done in float64 here too, so results round the same way; + - * / and sqrt on
// float32 inputs are exact in float32 (one correct rounding either way).

import { erf64 } from './math';
import { f32at, imin, pf, pi, pu } from './params';

export const CHUNK: i32 = 16384;

export const U_NEG = 0, U_EXP = 1, U_LOG = 2, U_SQRT = 3, U_ABS = 4, U_SIGN = 5, U_RELU = 6;
export const U_SIN = 7, U_COS = 8, U_ERF = 9, U_AFFINE = 10, U_CMP_SCALAR = 11, U_CLAMP = 12, U_FILL = 13;
/** Comparisons: compareScalar's parameter; the binary compare's code is B_GT + this. */
export const CMP_GT = 0, CMP_GE = 1, CMP_LT = 2, CMP_LE = 3, CMP_EQ = 4;

@inline function vunary(op: i32, v: v128, p: usize): v128 {
  const zero = f32x4.splat(0);
  switch (op) {
    case U_NEG: return f32x4.neg(v);
    case U_SQRT: return f32x4.sqrt(v);
    case U_ABS: return f32x4.abs(v);
    case U_RELU: return f32x4.max(v, zero);
    case U_SIGN: {
      const s = v128.or(v128.and(f32x4.gt(v, zero), f32x4.splat(1)), v128.and(f32x4.lt(v, zero), f32x4.splat(-1)));
      return v128.bitselect(v, s, f32x4.ne(v, v));
    }
    case U_AFFINE: {
      const scale = f64x2.splat(pf(p, 0)), shift = f64x2.splat(pf(p, 1));
      const lo = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(v), scale), shift);
      const hi = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3)), scale), shift);
      return v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
    }
    case U_FILL: return f32x4.splat(<f32>pf(p, 0));
    default: return v;
  }
}

@inline function vunaryLoop(op: i32, x: usize, y: usize, e0: i32, e1: i32, p: usize): void {
  let i = e0;
  for (; i + 4 <= e1; i += 4) v128.store(f32at(y, i), vunary(op, v128.load(f32at(x, i)), p));
  for (; i < e1; i++) {
    store<f32>(f32at(y, i), f32x4.extract_lane(vunary(op, f32x4.splat(load<f32>(f32at(x, i))), p), 0));
  }
}

@inline function sunary(op: i32, v: f64, p: usize): f64 {
  switch (op) {
    case U_EXP: return Math.exp(v);
    case U_LOG: return Math.log(v);
    case U_SIN: return Math.sin(v);
    case U_COS: return Math.cos(v);
    case U_ERF: return erf64(v);
    case U_CMP_SCALAR: {
      const c = pf(p, 0);
      switch (pi(p, 4)) {
        case CMP_GT: return v > c ? 1 : 0;
        case CMP_GE: return v >= c ? 1 : 0;
        case CMP_LT: return v < c ? 1 : 0;
        case CMP_LE: return v <= c ? 1 : 0;
        default: return v == c ? 1 : 0;
      }
    }
    case U_CLAMP: {
      const lo = pf(p, 0), hi = pf(p, 1);
      return v < lo ? lo : v > hi ? hi : v;
    }
    default: return v;
  }
}

@inline function sunaryLoop(op: i32, x: usize, y: usize, e0: i32, e1: i32, p: usize): void {
  for (let i = e0; i < e1; i++) store<f32>(f32at(y, i), <f32>sunary(op, <f64>load<f32>(f32at(x, i)), p));
}

/** params: op, x, y, n, cmp | f64: scale/value/min, shift/max */
export function unary(chunk: i32, scratch: usize, p: usize): void {
  const op = pi(p, 0);
  const x = pu(p, 1), y = pu(p, 2);
  const e0 = chunk * CHUNK, e1 = imin(pi(p, 3), e0 + CHUNK);
  switch (op) {
    case U_NEG: vunaryLoop(U_NEG, x, y, e0, e1, p); break;
    case U_SQRT: vunaryLoop(U_SQRT, x, y, e0, e1, p); break;
    case U_ABS: vunaryLoop(U_ABS, x, y, e0, e1, p); break;
    case U_RELU: vunaryLoop(U_RELU, x, y, e0, e1, p); break;
    case U_SIGN: vunaryLoop(U_SIGN, x, y, e0, e1, p); break;
    case U_AFFINE: vunaryLoop(U_AFFINE, x, y, e0, e1, p); break;
    case U_FILL: vunaryLoop(U_FILL, y, y, e0, e1, p); break;
    case U_EXP: sunaryLoop(U_EXP, x, y, e0, e1, p); break;
    case U_LOG: sunaryLoop(U_LOG, x, y, e0, e1, p); break;
    case U_SIN: sunaryLoop(U_SIN, x, y, e0, e1, p); break;
    case U_COS: sunaryLoop(U_COS, x, y, e0, e1, p); break;
    case U_ERF: sunaryLoop(U_ERF, x, y, e0, e1, p); break;
    case U_CMP_SCALAR: sunaryLoop(U_CMP_SCALAR, x, y, e0, e1, p); break;
    case U_CLAMP: sunaryLoop(U_CLAMP, x, y, e0, e1, p); break;
    default: unreachable();
  }
}

// ---- binary with broadcasting ----------------------------------------------------------------

export const B_ADD = 0, B_SUB = 1, B_MUL = 2, B_DIV = 3, B_RELU_GRAD = 4;
export const B_GT = 10 + CMP_GT, B_GE = 10 + CMP_GE, B_LT = 10 + CMP_LT, B_LE = 10 + CMP_LE, B_EQ = 10 + CMP_EQ;

@inline function vbinary(op: i32, a: v128, b: v128): v128 {
  const one = f32x4.splat(1);
  switch (op) {
    case B_ADD: return f32x4.add(a, b);
    case B_SUB: return f32x4.sub(a, b);
    case B_MUL: return f32x4.mul(a, b);
    case B_DIV: return f32x4.div(a, b);
    // a where b > 0, else +0: the mask's all-ones lanes keep a's bits, the others clear them
    case B_RELU_GRAD: return v128.and(a, f32x4.gt(b, f32x4.splat(0)));
    case B_GT: return v128.and(f32x4.gt(a, b), one);
    case B_GE: return v128.and(f32x4.ge(a, b), one);
    case B_LT: return v128.and(f32x4.lt(a, b), one);
    case B_LE: return v128.and(f32x4.le(a, b), one);
    default: return v128.and(f32x4.eq(a, b), one);
  }
}

/** One contiguous run of the output; each operand either walks along it (stride 1) or is fixed (stride 0). */
@inline function segmentOp(op: i32, pa: usize, pb: usize, po: usize, len: i32, ia: i32, ib: i32): void {
  let i = 0;
  if (ia != 0 && ib != 0) {
    for (; i + 4 <= len; i += 4) v128.store(f32at(po, i), vbinary(op, v128.load(f32at(pa, i)), v128.load(f32at(pb, i))));
  } else if (ia != 0) {
    const vb = v128.load32_splat(pb);
    for (; i + 4 <= len; i += 4) v128.store(f32at(po, i), vbinary(op, v128.load(f32at(pa, i)), vb));
  } else if (ib != 0) {
    const va = v128.load32_splat(pa);
    for (; i + 4 <= len; i += 4) v128.store(f32at(po, i), vbinary(op, va, v128.load(f32at(pb, i))));
  } else {
    const v = vbinary(op, v128.load32_splat(pa), v128.load32_splat(pb));
    for (; i + 4 <= len; i += 4) v128.store(f32at(po, i), v);
  }
  for (; i < len; i++) {
    const a = f32x4.splat(load<f32>(f32at(pa, i * ia)));
    const b = f32x4.splat(load<f32>(f32at(pb, i * ib)));
    store<f32>(f32at(po, i), f32x4.extract_lane(vbinary(op, a, b), 0));
  }
}

function segment(op: i32, pa: usize, pb: usize, po: usize, len: i32, ia: i32, ib: i32): void {
  switch (op) {
    case B_ADD: segmentOp(B_ADD, pa, pb, po, len, ia, ib); break;
    case B_SUB: segmentOp(B_SUB, pa, pb, po, len, ia, ib); break;
    case B_MUL: segmentOp(B_MUL, pa, pb, po, len, ia, ib); break;
    case B_DIV: segmentOp(B_DIV, pa, pb, po, len, ia, ib); break;
    case B_RELU_GRAD: segmentOp(B_RELU_GRAD, pa, pb, po, len, ia, ib); break;
    case B_GT: segmentOp(B_GT, pa, pb, po, len, ia, ib); break;
    case B_GE: segmentOp(B_GE, pa, pb, po, len, ia, ib); break;
    case B_LT: segmentOp(B_LT, pa, pb, po, len, ia, ib); break;
    case B_LE: segmentOp(B_LE, pa, pb, po, len, ia, ib); break;
    case B_EQ: segmentOp(B_EQ, pa, pb, po, len, ia, ib); break;
    default: unreachable();
  }
}

// Shape records for the n-d walkers: rank R <= 8, dims at slots 8.., strides at 16.. and 24..
const S_DIMS = 8, S_STR1 = 16, S_STR2 = 24;

/** params: op, a, b, out, n, R | dims, strides of a, strides of b (elements, 0 = broadcast) */
export function binary(chunk: i32, scratch: usize, p: usize): void {
  const op = pi(p, 0);
  const a = pu(p, 1), b = pu(p, 2), out = pu(p, 3);
  const n = pi(p, 4), R = pi(p, 5);
  const e0 = chunk * CHUNK, e1 = imin(n, e0 + CHUNK);
  walk(p, R, e0, e1, scratch, a, b, out, op, true);
}

/** params: src, dst, n, R | dims, source strides, destination strides (elements) */
export function copy(chunk: i32, scratch: usize, p: usize): void {
  const src = pu(p, 0), dst = pu(p, 1);
  const n = pi(p, 2), R = pi(p, 3);
  const e0 = chunk * CHUNK, e1 = imin(n, e0 + CHUNK);
  walk(p, R, e0, e1, scratch, src, 0, dst, 0, false);
}

/**
 * Visits flat positions [e0, e1) of the row-major index space `dims` one innermost run at a
 * time. Binary: operands follow strides 1 and 2, the output is contiguous. Copy: the source
 * follows strides 1, the destination strides 2.
 */
function walk(p: usize, R: i32, e0: i32, e1: i32, idx: usize, a: usize, b: usize, out: usize, op: i32, isBinary: bool): void {
  let rem = e0;
  let oa = 0, ob = 0;
  for (let d = R - 1; d >= 0; d--) {
    const dim = pi(p, S_DIMS + d);
    const i = rem % dim;
    rem /= dim;
    store<i32>(idx + (<usize>d << 2), i);
    oa += i * pi(p, S_STR1 + d);
    ob += i * pi(p, S_STR2 + d);
  }
  const inner = pi(p, S_DIMS + R - 1);
  const ia = pi(p, S_STR1 + R - 1), ib = pi(p, S_STR2 + R - 1);
  let e = e0;
  while (e < e1) {
    const start = load<i32>(idx + (<usize>(R - 1) << 2));
    const len = imin(inner - start, e1 - e);
    if (isBinary) {
      segment(op, f32at(a, oa), f32at(b, ob), f32at(out, e), len, ia, ib);
    } else if (ia == 1 && ib == 1) {
      memory.copy(f32at(out, ob), f32at(a, oa), <usize>len << 2);
    } else {
      for (let i = 0; i < len; i++) store<u32>(f32at(out, ob + i * ib), load<u32>(f32at(a, oa + i * ia)));
    }
    e += len;
    oa += len * ia;
    ob += len * ib;
    if (start + len < inner) {
      store<i32>(idx + (<usize>(R - 1) << 2), start + len);
      continue;
    }
    store<i32>(idx + (<usize>(R - 1) << 2), 0);
    oa -= inner * ia;
    ob -= inner * ib;
    for (let d = R - 2; d >= 0; d--) {
      const s1 = pi(p, S_STR1 + d), s2 = pi(p, S_STR2 + d), dim = pi(p, S_DIMS + d);
      const at = idx + (<usize>d << 2);
      const i = load<i32>(at) + 1;
      oa += s1;
      ob += s2;
      if (i < dim) { store<i32>(at, i); break; }
      store<i32>(at, 0);
      oa -= s1 * dim;
      ob -= s2 * dim;
    }
  }
}

/** params: src, dst, rows, len. dst[e] = sum over r of src[r][e], in r order (fixed partial sums). */
export function sumRows(chunk: i32, scratch: usize, p: usize): void {
  const src = pu(p, 0), dst = pu(p, 1);
  const rows = pi(p, 2), len = pi(p, 3);
  const e0 = chunk * CHUNK, e1 = imin(len, e0 + CHUNK);
  let e = e0;
  for (; e + 4 <= e1; e += 4) {
    let s = v128.load(f32at(src, e));
    for (let r = 1; r < rows; r++) s = f32x4.add(s, v128.load(f32at(src, r * len + e)));
    v128.store(f32at(dst, e), s);
  }
  for (; e < e1; e++) {
    let s = load<f32>(f32at(src, e));
    for (let r = 1; r < rows; r++) s += load<f32>(f32at(src, r * len + e));
    store<f32>(f32at(dst, e), s);
  }
}

@inline function lo(x: v128): v128 {
  return f64x2.promote_low_f32x4(x);
}
@inline function hi(x: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 2, 3));
}
/** Two float64x2 rounded to float32 and joined into one float32x4. */
@inline function join(a: v128, b: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5);
}

/** params: P, M, V, G, n | f64: beta1, beta2, eps, stepSize, bc2Sqrt, 1-beta1, 1-beta2. In place, as the reference. */
export function adam(chunk: i32, scratch: usize, p: usize): void {
  const P = pu(p, 0), M = pu(p, 1), V = pu(p, 2), G = pu(p, 3);
  const e0 = chunk * CHUNK, e1 = imin(pi(p, 4), e0 + CHUNK);
  const beta1 = pf(p, 0), beta2 = pf(p, 1), eps = pf(p, 2), stepSize = pf(p, 3), bc2Sqrt = pf(p, 4);
  const c1 = pf(p, 5), c2 = pf(p, 6);
  const b1 = f64x2.splat(beta1), b2 = f64x2.splat(beta2), k1 = f64x2.splat(c1), k2 = f64x2.splat(c2);
  const e = f64x2.splat(eps), s = f64x2.splat(stepSize), bc = f64x2.splat(bc2Sqrt);
  let i = e0;
  // Four elements at a time in float64 lanes: the same IEEE operations in the same order as the
  // scalar loop below (and the reference), so the same bits.
  for (; i + 4 <= e1; i += 4) {
    const g = v128.load(f32at(G, i)), m = v128.load(f32at(M, i)), v = v128.load(f32at(V, i)), w = v128.load(f32at(P, i));
    const gl = lo(g), gh = hi(g);
    const mn = join(f64x2.add(f64x2.mul(lo(m), b1), f64x2.mul(gl, k1)), f64x2.add(f64x2.mul(hi(m), b1), f64x2.mul(gh, k1)));
    const vn = join(f64x2.add(f64x2.mul(lo(v), b2), f64x2.mul(f64x2.mul(gl, gl), k2)), f64x2.add(f64x2.mul(hi(v), b2), f64x2.mul(f64x2.mul(gh, gh), k2)));
    v128.store(f32at(M, i), mn);
    v128.store(f32at(V, i), vn);
    const pl = f64x2.sub(lo(w), f64x2.mul(s, f64x2.div(lo(mn), f64x2.add(f64x2.div(f64x2.sqrt(lo(vn)), bc), e))));
    const ph = f64x2.sub(hi(w), f64x2.mul(s, f64x2.div(hi(mn), f64x2.add(f64x2.div(f64x2.sqrt(hi(vn)), bc), e))));
    v128.store(f32at(P, i), join(pl, ph));
  }
  for (; i < e1; i++) {
    const g = <f64>load<f32>(f32at(G, i));
    const m = <f32>(<f64>load<f32>(f32at(M, i)) * beta1 + g * c1);
    const v = <f32>(<f64>load<f32>(f32at(V, i)) * beta2 + g * g * c2);
    store<f32>(f32at(M, i), m);
    store<f32>(f32at(V, i), v);
    const pv = <f64>load<f32>(f32at(P, i));
    store<f32>(f32at(P, i), <f32>(pv - stepSize * (<f64>m / (Math.sqrt(<f64>v) / bc2Sqrt + eps))));
  }
}
