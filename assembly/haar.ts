// One-level orthonormal 2-D Haar transform by lifting, one plane per chunk: the reference's
// float64 steps in the same order, so results match it bit for bit. Bands: LL, (low W, high H),
// (high W, low H), HH.

import { f32at, pi, pu } from './params';

const SQRT2: f64 = Math.SQRT2;

@inline function px(x: usize, i: i32): f64 {
  return <f64>load<f32>(f32at(x, i));
}

/** params: x [.., H, W], y [.., 4, H/2, W/2], H, W */
export function haar2d(chunk: i32, scratch: usize, p: usize): void {
  const H = pi(p, 2), W = pi(p, 3);
  const h = H >> 1, w = W >> 1, band = h * w;
  const x = f32at(pu(p, 0), chunk * H * W);
  const y = f32at(pu(p, 1), chunk * 4 * band);
  for (let i = 0; i < h; i++) {
    const top = 2 * i * W, bot = top + W;
    for (let j = 0; j < w; j++) {
      const dTop = px(x, top + 2 * j) - px(x, top + 2 * j + 1);
      const sTop = px(x, top + 2 * j + 1) + dTop / 2;
      const dBot = px(x, bot + 2 * j) - px(x, bot + 2 * j + 1);
      const sBot = px(x, bot + 2 * j + 1) + dBot / 2;
      const loTop = sTop * SQRT2, hiTop = dTop / SQRT2;
      const loBot = sBot * SQRT2, hiBot = dBot / SQRT2;
      const dLo = loTop - loBot;
      const sLo = loBot + dLo / 2;
      const dHi = hiTop - hiBot;
      const sHi = hiBot + dHi / 2;
      const at = i * w + j;
      store<f32>(f32at(y, at), <f32>(sLo * SQRT2));
      store<f32>(f32at(y, at + band), <f32>(dLo / SQRT2));
      store<f32>(f32at(y, at + 2 * band), <f32>(sHi * SQRT2));
      store<f32>(f32at(y, at + 3 * band), <f32>(dHi / SQRT2));
    }
  }
}

/** params: y [.., 4, h, w], x [.., 2h, 2w], h, w */
export function ihaar2d(chunk: i32, scratch: usize, p: usize): void {
  const h = pi(p, 2), w = pi(p, 3);
  const W = 2 * w, band = h * w;
  const y = f32at(pu(p, 0), chunk * 4 * band);
  const x = f32at(pu(p, 1), chunk * 4 * band);
  for (let i = 0; i < h; i++) {
    const top = 2 * i * W, bot = top + W;
    for (let j = 0; j < w; j++) {
      const at = i * w + j;
      const sLo = px(y, at) / SQRT2, dLo = px(y, at + band) * SQRT2;
      const sHi = px(y, at + 2 * band) / SQRT2, dHi = px(y, at + 3 * band) * SQRT2;
      const loBot = sLo - dLo / 2, loTop = dLo + loBot;
      const hiBot = sHi - dHi / 2, hiTop = dHi + hiBot;
      const sTop = loTop / SQRT2, dTop = hiTop * SQRT2;
      const sBot = loBot / SQRT2, dBot = hiBot * SQRT2;
      const bTop = sTop - dTop / 2, bBot = sBot - dBot / 2;
      store<f32>(f32at(x, top + 2 * j), <f32>(dTop + bTop));
      store<f32>(f32at(x, top + 2 * j + 1), <f32>bTop);
      store<f32>(f32at(x, bot + 2 * j), <f32>(dBot + bBot));
      store<f32>(f32at(x, bot + 2 * j + 1), <f32>bBot);
    }
  }
}
