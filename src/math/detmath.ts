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
 * Writes sin(2*pi*u) to out[0] and cos(2*pi*u) to out[1], for any finite u.
 * Reducing in turns rather than radians makes the reduction exact (u and the
 * nearest quarter turn share u's ulp grid), so no 2*pi rounding creeps in
 * even for large u; non-finite u gives NaN.
 */
export function detSinCos2PiInto(u: number, out: Float64Array | number[]): void {
  const q = Math.round(4 * u); // quarter turn nearest u; exact
  const r = u - q * 0.25; // exact, |r| <= 1/8
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

// exp Taylor coefficients 1/k! for |r| <= ln2/2 (r^15/15! < 2e-19, below an ulp of 1).
const EXP_C: number[] = [];
{
  let fact = 1;
  for (let k = 0; k <= 15; k++) {
    if (k > 0) fact *= k; // exact up to 18!
    EXP_C.push(1 / fact);
  }
}
const INV_LN2 = 1.4426950408889634;

/** 2^k for integer k in the normal double range, built from the exponent bits (exact). */
function pow2(k: number): number {
  bits.setUint32(0, (k + 1023) << 20);
  bits.setUint32(4, 0);
  return bits.getFloat64(0);
}

/**
 * e^x, ~1 ulp, bit-identical on every engine (schedules stored in checkpoints depend on it).
 * Overflows to Infinity above ~709.78 and underflows (through subnormals) to 0 below ~-745.1.
 */
export function detExp(x: number): number {
  if (x !== x) return NaN;
  if (x > 709.782712893384) return Infinity;
  if (x < -745.1332191019412) return 0;
  const k = Math.round(x * INV_LN2);
  // k * LN2_HI is exact (|k| < 2^11 and LN2_HI has 32 trailing zero bits), so r keeps full precision.
  const r = x - k * LN2_HI - k * LN2_LO;
  let p = EXP_C[EXP_C.length - 1]!;
  for (let i = EXP_C.length - 2; i >= 0; i--) p = p * r + EXP_C[i]!;
  // Split the scaling so 2^k never leaves the normal range; the second factor may round to a subnormal.
  if (k > 1023) return p * pow2(1023) * pow2(k - 1023);
  if (k < -1022) return p * pow2(-1022) * pow2(k + 1022);
  return p * pow2(k);
}

/**
 * x^y for x >= 0 as exp(y log x), bit-identical on every engine (unlike `**` and Math.pow).
 * Relative error ~(|y log x| + 2) ulp: fine where the result is rounded to float32 afterwards.
 */
export function detPow(x: number, y: number): number {
  if (y === 0) return 1;
  if (x !== x || y !== y || x < 0) return NaN;
  if (x === 0) return y > 0 ? 0 : Infinity;
  if (x === 1) return 1;
  return detExp(y * detLog(x));
}
