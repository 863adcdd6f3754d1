/**
 * Bit-reproducible log and sin/cos for the RNG.
 *
 * ECMAScript leaves Math.log/sin/cos "implementation-approximated", so two
 * engines (or two versions of one) may disagree in the last bit, and a seeded
 * normal sample would then differ across browsers. These use only IEEE double
 * + - * / plus exact helpers (Math.round, bit extraction), which every
 * conforming engine evaluates identically (JS forbids FMA contraction).
 */

const LN2_HI = 6.93147180369123816490e-1; // low 32 mantissa bits zero, so e*LN2_HI is exact
const LN2_LO = 1.90821492927058770002e-10;
const SQRT1_2 = 0.7071067811865476;

// Big-endian DataView so the exponent word is found the same way on any host.
const bits = new DataView(new ArrayBuffer(8));

// 1/(2k+1) for the atanh series; correctly rounded divisions are deterministic.
const ATANH_C: number[] = [];
for (let k = 0; k <= 12; k++) ATANH_C.push(1 / (2 * k + 1));

/** Natural log, ~1 ulp, for x > 0 (NaN for x < 0 or NaN, -Infinity at 0). */
export function detLog(x: number): number {
  if (!(x > 0)) return x === 0 ? -Infinity : NaN;
  if (x === Infinity) return Infinity;
  let e = 0;
  if (x < 2.2250738585072014e-308) {
    // Subnormal: the exponent field is zero, so normalise before reading it.
    x *= 18014398509481984; // 2^54
    e = -54;
  }
  bits.setFloat64(0, x);
  const hi = bits.getUint32(0);
  e += ((hi >>> 20) & 0x7ff) - 1023;
  // Replace the exponent with 0 to get m in [1, 2).
  bits.setUint32(0, (hi & 0x800fffff) | 0x3ff00000);
  let m = bits.getFloat64(0);
  // Centre m on 1 so |s| <= 0.1716 and the series converges in ~12 terms.
  if (m > 2 * SQRT1_2) {
    m *= 0.5;
    e += 1;
  }
  // log(m) = 2 atanh(s), s = (m-1)/(m+1); m-1 is exact (Sterbenz), keeping
  // relative accuracy for x near 1.
  const f = m - 1;
  const s = f / (m + 1);
  const z = s * s;
  let p = ATANH_C[12]!;
  for (let k = 11; k >= 1; k--) p = p * z + ATANH_C[k]!;
  const logm = 2 * s + 2 * s * z * p;
  return e * LN2_HI + (logm + e * LN2_LO);
}

const TWO_PI = 6.283185307179586;

// Taylor coefficients (-1)^k / (2k+1)! and (-1)^k / (2k)!, up to x^21 / x^20,
// enough for |x| <= pi/4 to below 1e-18 relative.
const SIN_C: number[] = [];
const COS_C: number[] = [];
{
  let fact = 1;
  for (let n = 1; n <= 21; n++) {
    fact *= n; // exact: the odd part of 21! fits in 53 bits
    const sign = ((n >> 1) & 1) === 1 ? -1 : 1;
    if (n % 2 === 1) SIN_C.push(sign / fact);
    else COS_C.push(sign / fact);
  }
}

function sinPoly(x: number): number {
  const z = x * x;
  let p = SIN_C[SIN_C.length - 1]!;
  for (let k = SIN_C.length - 2; k >= 1; k--) p = p * z + SIN_C[k]!;
  return x + x * z * p;
}

function cosPoly(x: number): number {
  const z = x * x;
  let p = COS_C[COS_C.length - 1]!;
  for (let k = COS_C.length - 2; k >= 0; k--) p = p * z + COS_C[k]!;
  return 1 + z * p;
}

/**
 * Writes sin(2*pi*u) to out[0] and cos(2*pi*u) to out[1].
 * Meant for u in [0, 1) (any finite u works; accuracy is best there).
 * Reducing in turns rather than radians keeps the reduction exact.
 */
export function detSinCos2PiInto(u: number, out: Float64Array | number[]): void {
  const q = Math.round(4 * u); // quarter turn nearest u; exact
  const r = u - q * 0.25; // exact for u in [0, 1): |r| <= 1/8 shares u's ulp grid
  const x = r * TWO_PI; // |x| <= pi/4
  const s = sinPoly(x);
  const c = cosPoly(x);
  switch (((q % 4) + 4) % 4) {
    case 0:
      out[0] = s;
      out[1] = c;
      break;
    case 1:
      out[0] = c;
      out[1] = -s;
      break;
    case 2:
      out[0] = -s;
      out[1] = -c;
      break;
    default:
      out[0] = -c;
      out[1] = s;
  }
}

/** [sin(2*pi*u), cos(2*pi*u)]; allocating convenience around detSinCos2PiInto. */
export function detSinCos2Pi(u: number): [number, number] {
  const out: [number, number] = [0, 0];
  detSinCos2PiInto(u, out);
  return out;
}
