// Bilinear resize over the last two axes and its adjoint, one plane per chunk. The host builds
// the per-axis tap tables in float64 exactly as the reference does, and the arithmetic below
// repeats the reference's expression order in float64, so both directions match it bit for bit.

import { f32at, f64at, pi, pu } from './params';

const S_X = 0, S_Y = 1, S_H = 2, S_W = 3, S_OH = 4, S_OW = 5, S_ROWS = 6, S_COLS = 7;

// Table of n taps at t: i0[n] i32, i1[n] i32, l0[n] f64, l1[n] f64.
@inline function i0(t: usize, n: i32, d: i32): i32 { return load<i32>(f32at(t, d)); }
@inline function i1(t: usize, n: i32, d: i32): i32 { return load<i32>(f32at(t, n + d)); }
@inline function l0(t: usize, n: i32, d: i32): f64 { return load<f64>(f64at(t + (<usize>n << 3), d)); }
@inline function l1(t: usize, n: i32, d: i32): f64 { return load<f64>(f64at(t + (<usize>n << 4), d)); }

@inline function px(x: usize, i: i32): f64 {
  return <f64>load<f32>(f32at(x, i));
}

export function resizeBilinear(chunk: i32, scratch: usize, p: usize): void {
  const H = pi(p, S_H), W = pi(p, S_W), oh = pi(p, S_OH), ow = pi(p, S_OW);
  const rows = pu(p, S_ROWS), cols = pu(p, S_COLS);
  const x = f32at(pu(p, S_X), chunk * H * W);
  const y = f32at(pu(p, S_Y), chunk * oh * ow);
  for (let oy = 0; oy < oh; oy++) {
    const r0 = i0(rows, oh, oy) * W, r1 = i1(rows, oh, oy) * W;
    const ly0 = l0(rows, oh, oy), ly1 = l1(rows, oh, oy);
    for (let ox = 0; ox < ow; ox++) {
      const c0 = i0(cols, ow, ox), c1 = i1(cols, ow, ox);
      const lx0 = l0(cols, ow, ox), lx1 = l1(cols, ow, ox);
      const v = ly0 * (lx0 * px(x, r0 + c0) + lx1 * px(x, r0 + c1)) + ly1 * (lx0 * px(x, r1 + c0) + lx1 * px(x, r1 + c1));
      store<f32>(f32at(y, oy * ow + ox), <f32>v);
    }
  }
}

@inline function addAt(acc: usize, i: i32, v: f64): void {
  const a = f64at(acc, i);
  store<f64>(a, load<f64>(a) + v);
}

/** x: gradOut [.., oh, ow]; y: input gradient [.., H, W]. Scratch: H*W float64. */
export function resizeBilinearGrad(chunk: i32, scratch: usize, p: usize): void {
  const H = pi(p, S_H), W = pi(p, S_W), oh = pi(p, S_OH), ow = pi(p, S_OW);
  const rows = pu(p, S_ROWS), cols = pu(p, S_COLS);
  const g = f32at(pu(p, S_X), chunk * oh * ow);
  memory.fill(scratch, 0, <usize>(H * W) << 3);
  for (let oy = 0; oy < oh; oy++) {
    const r0 = i0(rows, oh, oy) * W, r1 = i1(rows, oh, oy) * W;
    const ly0 = l0(rows, oh, oy), ly1 = l1(rows, oh, oy);
    for (let ox = 0; ox < ow; ox++) {
      const c0 = i0(cols, ow, ox), c1 = i1(cols, ow, ox);
      const lx0 = l0(cols, ow, ox), lx1 = l1(cols, ow, ox);
      const v = px(g, oy * ow + ox);
      addAt(scratch, r0 + c0, ly0 * lx0 * v);
      addAt(scratch, r0 + c1, ly0 * lx1 * v);
      addAt(scratch, r1 + c0, ly1 * lx0 * v);
      addAt(scratch, r1 + c1, ly1 * lx1 * v);
    }
  }
  const y = f32at(pu(p, S_Y), chunk * H * W);
  for (let i = 0; i < H * W; i++) store<f32>(f32at(y, i), <f32>load<f64>(f64at(scratch, i)));
}
