// 2-D pooling over the last two axes, one plane per chunk, following the reference kernels
// literally (window bounds, first maximum with NaN taking over, float64 sums and divisors,
// gradients accumulated in float64 in output order), so results match it bit for bit.

import { f32at, f64at, imax, imin, pi, pu } from './params';

const S_X = 0, S_Y = 1, S_H = 2, S_W = 3, S_HO = 4, S_WO = 5, S_KH = 6, S_KW = 7;
const S_SH = 8, S_SW = 9, S_PH = 10, S_PW = 11, S_INCLUDE_PAD = 12, S_G = 13;

@inline function lo(o: i32, s: i32, pad: i32): i32 {
  return imax(o * s - pad, 0);
}
@inline function hi(o: i32, s: i32, pad: i32, k: i32, n: i32): i32 {
  return imin(imin(o * s - pad + k, n + pad), n);
}
@inline function padded(o: i32, s: i32, pad: i32, k: i32, n: i32): i32 {
  const start = o * s - pad;
  return imin(start + k, n + pad) - start;
}

/** Row-major index within the plane of the window's maximum (see the reference's windowArgmax). */
@inline function argmax(x: usize, p: usize, oy: i32, ox: i32): i32 {
  const H = pi(p, S_H), W = pi(p, S_W);
  const y0 = lo(oy, pi(p, S_SH), pi(p, S_PH)), y1 = hi(oy, pi(p, S_SH), pi(p, S_PH), pi(p, S_KH), H);
  const x0 = lo(ox, pi(p, S_SW), pi(p, S_PW)), x1 = hi(ox, pi(p, S_SW), pi(p, S_PW), pi(p, S_KW), W);
  let best = -Infinity as f32;
  let at = y0 * W + x0;
  for (let y = y0; y < y1; y++) {
    for (let xx = x0; xx < x1; xx++) {
      const v = load<f32>(f32at(x, y * W + xx));
      if (v > best || v != v) {
        best = v;
        at = y * W + xx;
      }
    }
  }
  return at;
}

export function maxPool2d(chunk: i32, scratch: usize, p: usize): void {
  const plane = pi(p, S_H) * pi(p, S_W), Ho = pi(p, S_HO), Wo = pi(p, S_WO);
  const x = f32at(pu(p, S_X), chunk * plane);
  const y = f32at(pu(p, S_Y), chunk * Ho * Wo);
  for (let oy = 0; oy < Ho; oy++) {
    for (let ox = 0; ox < Wo; ox++) store<f32>(f32at(y, oy * Wo + ox), load<f32>(f32at(x, argmax(x, p, oy, ox))));
  }
}

/** params as maxPool2d, plus gradOut at S_G; y is the input gradient. Scratch: H*W float64. */
export function maxPool2dGrad(chunk: i32, scratch: usize, p: usize): void {
  const plane = pi(p, S_H) * pi(p, S_W), Ho = pi(p, S_HO), Wo = pi(p, S_WO);
  const x = f32at(pu(p, S_X), chunk * plane);
  const g = f32at(pu(p, S_G), chunk * Ho * Wo);
  memory.fill(scratch, 0, <usize>plane << 3);
  for (let oy = 0; oy < Ho; oy++) {
    for (let ox = 0; ox < Wo; ox++) {
      const at = f64at(scratch, argmax(x, p, oy, ox));
      store<f64>(at, load<f64>(at) + <f64>load<f32>(f32at(g, oy * Wo + ox)));
    }
  }
  const y = f32at(pu(p, S_Y), chunk * plane);
  for (let i = 0; i < plane; i++) store<f32>(f32at(y, i), <f32>load<f64>(f64at(scratch, i)));
}

@inline function divisor(p: usize, oy: i32, ox: i32): f64 {
  const H = pi(p, S_H), W = pi(p, S_W);
  const sh = pi(p, S_SH), sw = pi(p, S_SW), ph = pi(p, S_PH), pw = pi(p, S_PW), kh = pi(p, S_KH), kw = pi(p, S_KW);
  if (pi(p, S_INCLUDE_PAD)) return <f64>(padded(oy, sh, ph, kh, H) * padded(ox, sw, pw, kw, W));
  return <f64>((hi(oy, sh, ph, kh, H) - lo(oy, sh, ph)) * (hi(ox, sw, pw, kw, W) - lo(ox, sw, pw)));
}

export function avgPool2d(chunk: i32, scratch: usize, p: usize): void {
  const H = pi(p, S_H), W = pi(p, S_W), Ho = pi(p, S_HO), Wo = pi(p, S_WO);
  const sh = pi(p, S_SH), sw = pi(p, S_SW), ph = pi(p, S_PH), pw = pi(p, S_PW), kh = pi(p, S_KH), kw = pi(p, S_KW);
  const x = f32at(pu(p, S_X), chunk * H * W);
  const y = f32at(pu(p, S_Y), chunk * Ho * Wo);
  // With stride 1, outputs [in0, in1) have windows inside the row: two neighbours at a time, one
  // per float64 lane. Each lane adds the same elements in the same order as the scalar loop, so
  // the same bits.
  const in0 = sw == 1 ? imin(pw, Wo) : Wo;
  const in1 = sw == 1 ? imax(in0, imin(Wo, W - kw + pw + 1)) : Wo;
  for (let oy = 0; oy < Ho; oy++) {
    const y0 = lo(oy, sh, ph), y1 = hi(oy, sh, ph, kh, H);
    let ox = 0;
    for (; ox < in0; ox++) avgOne(x, y, p, oy, ox, y0, y1);
    for (; ox + 2 <= in1; ox += 2) {
      let s = f64x2.splat(0);
      for (let yy = y0; yy < y1; yy++) {
        const row = f32at(x, yy * W + ox - pw);
        for (let k = 0; k < kw; k++) s = f64x2.add(s, f64x2.promote_low_f32x4(v128.load64_zero(row + (<usize>k << 2))));
      }
      const d = f64x2.replace_lane(f64x2.splat(divisor(p, oy, ox)), 1, divisor(p, oy, ox + 1));
      v128.store64_lane(f32at(y, oy * Wo + ox), f32x4.demote_f64x2_zero(f64x2.div(s, d)), 0);
    }
    for (; ox < Wo; ox++) avgOne(x, y, p, oy, ox, y0, y1);
  }
}

/** One output of avgPool2d: the window's float64 sum in row-major order over its divisor. */
@inline function avgOne(x: usize, y: usize, p: usize, oy: i32, ox: i32, y0: i32, y1: i32): void {
  const W = pi(p, S_W), sw = pi(p, S_SW), pw = pi(p, S_PW), kw = pi(p, S_KW);
  const x0 = lo(ox, sw, pw), x1 = hi(ox, sw, pw, kw, W);
  let s: f64 = 0;
  for (let yy = y0; yy < y1; yy++) {
    for (let xx = x0; xx < x1; xx++) s += <f64>load<f32>(f32at(x, yy * W + xx));
  }
  store<f32>(f32at(y, oy * pi(p, S_WO) + ox), <f32>(s / divisor(p, oy, ox)));
}

/** params as avgPool2d with gradOut at S_G; y is the input gradient. Scratch: H*W float64. */
export function avgPool2dGrad(chunk: i32, scratch: usize, p: usize): void {
  const H = pi(p, S_H), W = pi(p, S_W), Ho = pi(p, S_HO), Wo = pi(p, S_WO);
  const sh = pi(p, S_SH), sw = pi(p, S_SW), ph = pi(p, S_PH), pw = pi(p, S_PW), kh = pi(p, S_KH), kw = pi(p, S_KW);
  const g = f32at(pu(p, S_G), chunk * Ho * Wo);
  memory.fill(scratch, 0, <usize>(H * W) << 3);
  for (let oy = 0; oy < Ho; oy++) {
    const y0 = lo(oy, sh, ph), y1 = hi(oy, sh, ph, kh, H);
    for (let ox = 0; ox < Wo; ox++) {
      const x0 = lo(ox, sw, pw), x1 = hi(ox, sw, pw, kw, W);
      const v = <f64>load<f32>(f32at(g, oy * Wo + ox)) / divisor(p, oy, ox);
      for (let yy = y0; yy < y1; yy++) {
        for (let xx = x0; xx < x1; xx++) {
          const at = f64at(scratch, yy * W + xx);
          store<f64>(at, load<f64>(at) + v);
        }
      }
    }
  }
  const y = f32at(pu(p, S_Y), chunk * H * W);
  for (let i = 0; i < H * W; i++) store<f32>(f32at(y, i), <f32>load<f64>(f64at(scratch, i)));
}
