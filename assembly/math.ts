// Special functions missing from the AssemblyScript standard library, in float64 so that the
// float32 results round like the reference backend's. Everything else uses the module's own
// Math (musl-derived), which gives the same bits on every host, unlike the JS Math object.

const TWO_OVER_SQRT_PI: f64 = 1.1283791670955126;

/**
 * Error function. |x| < 0.5: Maclaurin series (terms shrink fast, no cancellation to speak of).
 * 0.5 <= |x| < 4: erf(x) = 2/sqrt(pi) e^{-x^2} sum 2^n x^{2n+1} / (2n+1)!!, all terms positive.
 * |x| >= 4: erfc(4) ~ 1.5e-8 is below half a float32 ulp of 1, so the rounded result is +-1.
 */
export function erf64(x: f64): f64 {
  if (x != x) return x;
  const ax = Math.abs(x);
  if (ax >= 4) return x < 0 ? -1.0 : 1.0;
  if (ax < 0.5) {
    const z = x * x;
    let t = x;
    let sum = x;
    for (let n = 1; n < 40; n++) {
      t *= -z / <f64>n;
      const term = t / <f64>(2 * n + 1);
      sum += term;
      if (Math.abs(term) <= 1e-17 * Math.abs(sum)) break;
    }
    return TWO_OVER_SQRT_PI * sum;
  }
  const z2 = 2 * ax * ax;
  let t = ax;
  let sum = ax;
  for (let n = 0; n < 200; n++) {
    t *= z2 / <f64>(2 * n + 3);
    sum += t;
    if (t <= 1e-17 * sum) break;
  }
  // exp(-x^2) with x split so the leading square is exact (x*x alone loses ~x^2 ulps).
  const big = ax * 134217729.0;
  const hi = big - (big - ax);
  const lo = ax - hi;
  const e = Math.exp(-hi * hi) * Math.exp(-lo * (ax + hi));
  const y = TWO_OVER_SQRT_PI * e * sum;
  return x < 0 ? -y : y;
}
