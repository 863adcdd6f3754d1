// How far the gpu backend may differ from the reference backend, per op, and why. The
// reference computes in float64 and rounds once, so it is the exact result to half a float32
// ulp; the GPU computes in float32 with the accuracy WGSL (and Vulkan/GLSL) guarantee:
// + - * correctly rounded (contraction into FMA allowed, which only reduces error), / within
// 2.5 ulp, exp within 3 + 2|x| ulp, log within 3 ulp outside [0.5, 2] and 2^-21 absolute inside,
// sqrt as 1/inverseSqrt (2 ulp, then a 2.5-ulp division). Subnormal results may flush to zero
// (the smallest normal, 2^-126, is below every atol here). WGSL also lets implementations
// assume values are finite, so NaN and infinity propagation is not guaranteed on the GPU; the
// tests use finite inputs.
//
// Every bound is an allowance on |gpu - ref| per element, one of:
//   exact   bit-identical (numerically: -0 equals 0): pure data movement, comparisons, and single
//           correctly rounded + - * of float32 values, which rounding the float64 result of ref
//           reproduces exactly.
//   ulps    ulps of the ref value (+ atol), for one library call.
//   sum     (min(n, 8 sqrt(n)) + extra) * u * M, u = 2^-24, where M is the sum of the absolute
//           values of the terms of that element (the op applied to |inputs|) and n the number of
//           roundings a term goes through (the number of terms, for sums). Below n = 64 this is
//           the deterministic bound gamma_n (Higham, Accuracy and Stability of Numerical
//           Algorithms, 2nd ed., section 3.1); above, the probabilistic bound of Higham & Mary
//           (SIAM J. Sci. Comput. 41(5), 2019) with lambda = 8, which fails with probability
//           below 2n exp(-32) per element. `extra` counts the roundings every result takes on
//           top (a final division is 5 u: 2.5 ulp; ref's own rounding is 1 u).
//   custom  a function of the input value, where the GPU's error depends on it.

import { adamCoefficients, type AdamAttrs } from '../attrs.js';

const U = 2 ** -24;

export type GpuTolerance =
  | { kind: 'exact'; reason: string }
  | { kind: 'ulps'; ulps: number; atol: number; reason: string }
  | { kind: 'sum'; extra: number; reason: string }
  | { kind: 'custom'; bound: (x: number, ref: number) => number; reason: string }
  | { kind: 'adam'; reason: string };

/** One float32 ulp of v (the spacing above |v|; subnormal spacing near 0). */
export function ulp32(v: number): number {
  const a = Math.abs(v);
  if (!(a >= 2 ** -126)) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(a)) - 23);
}

/** The `sum` allowance per unit of M for n roundings plus `extra`. */
export function sumFactor(n: number, extra: number): number {
  return (Math.min(n, 8 * Math.sqrt(n)) + extra) * U;
}

const exact = (reason: string): GpuTolerance => ({ kind: 'exact', reason });
const sum = (extra: number, reason: string): GpuTolerance => ({ kind: 'sum', extra, reason });

const MOVES = 'a copy of input elements: every value arrives unchanged';

export const GPU_TOLERANCE: Record<string, GpuTolerance> = {
  neg: exact('sign flip'),
  abs: exact('sign clear'),
  sign: exact('comparisons only'),
  relu: exact('a comparison and a copy'),
  add: exact('one correctly rounded float32 add'),
  sub: exact('one correctly rounded float32 subtract'),
  mul: exact('one correctly rounded float32 multiply'),
  reluGrad: exact('a comparison and a copy'),
  compare: exact('comparisons only'),
  compareScalar: exact('comparisons only (the scalar is float32 on both sides)'),
  clamp: exact('comparisons and copies'),
  permute: exact(MOVES),
  expand: exact(MOVES),
  slice: exact(MOVES),
  split: exact(MOVES),
  pad: exact(MOVES),
  concat: exact(MOVES),
  extremum: exact('max/min pick an input element'),
  extremumMask: exact('0/1 from comparisons of input elements'),
  maxPool2d: exact('max picks an input element'),
  div: { kind: 'ulps', ulps: 3, atol: 0, reason: 'WGSL division is within 2.5 ulp, + 0.5 ulp for the reference rounding' },
  exp: {
    kind: 'custom',
    bound: (x, ref) => (3.5 + 2 * Math.abs(x)) * ulp32(ref),
    reason: 'WGSL exp is within 3 + 2|x| ulp, + 0.5 ulp for the reference rounding',
  },
  log: { kind: 'ulps', ulps: 3.5, atol: 2 ** -21, reason: 'WGSL log is within 3 ulp outside [0.5, 2] and 2^-21 absolute inside, + 0.5 ulp for the reference rounding' },
  sqrt: { kind: 'ulps', ulps: 5, atol: 0, reason: 'WGSL sqrt is 1/inverseSqrt(x): 2 ulp, then a 2.5-ulp division, + 0.5 ulp for the reference rounding' },
  sin: {
    kind: 'custom',
    bound: (x, ref) => 4 * ulp32(ref) + 2 ** -46 * Math.abs(x),
    reason:
      'own float32 Cephes sinf: reduction by pi/4 split in three parts (the first two products exact for ' +
      '|x| < 6434), then degree-7 polynomials: about 2 ulp, + 0.5 ulp reference rounding; the third part ' +
      '(rounded to float32, and its product rounded) leaves ~2^-47.9 |x| absolute in the reduced argument, ' +
      'which is what remains near the zeros of sin',
  },
  cos: {
    kind: 'custom',
    bound: (x, ref) => 4 * ulp32(ref) + 2 ** -46 * Math.abs(x),
    reason: 'as sin (own Cephes cosf)',
  },
  erf: {
    kind: 'custom',
    bound: (x, ref) => {
      if (Math.abs(x) < 1) return 4 * ulp32(ref);
      // 1 - erfc: erfc = t exp(p) with p ~ -(x^2 + 1.27); exp's 3 + 2|p| ulp and the fit's
      // 1.2e-7 relative error scale with erfc = 1 - |erf|
      const erfc = 1 - Math.abs(ref);
      return 2 * ulp32(ref) + erfc * ((3 + 2 * (x * x + 1.3) + 8) * 2 * U + 1.2e-7);
    },
    reason:
      'own float32 erf: |x| < 1 its Maclaurin series by Horner (~3 u, + 0.5 ulp reference rounding); |x| >= 1 ' +
      '1 - erfc with Numerical Recipes\' erfc fit (1.2e-7 relative) whose exp(p) is within 3 + 2|p| ulp, scaled by erfc',
  },
  affine: sum(1, 'x * scale + shift with scale and shift rounded to float32: 3 roundings per term, + 1 u reference rounding'),
  sum: sum(1, 'float32 sums in chunks of 256 (any order): n = the number of terms'),
  matmul: sum(1, 'float32 dot products: n = K'),
  conv2d: sum(1, 'float32 dot products over channels and taps (and the bias): n = C kh kw + 1'),
  conv2dGradInput: sum(1, 'float32 dot products over output channels and the taps that reach the element: n = O kh kw'),
  conv2dGradWeight: sum(1, 'float32 sums over N Ho Wo in row chunks, then the chunk sums: n = N Ho Wo'),
  maxPool2dGrad: sum(1, 'float32 sum of the gradients of the windows whose maximum this is: n = windows covering an element'),
  avgPool2d: sum(6, 'float32 window sum (n = window size) then a division (2.5 ulp = 5 u), + 1 u reference rounding'),
  avgPool2dGrad: sum(1, 'each window gradient divided (5 u) then summed: n = 5 + windows covering an element'),
  resizeBilinear: sum(1, 'two weighted pairs of taps, weights rounded to float32: n = 6 roundings per term'),
  resizeBilinearGrad: sum(1, 'weight products (2 roundings, weights rounded: 2 more) times the gradient, summed: n = 5 + taps reaching the element'),
  haar2d: sum(1, 'lifting in float32, the constants sqrt(2) and 1/sqrt(2) rounded: n = 8 roundings per term; M = (|a|+|b|+|c|+|d|)/2 of the 2x2 block'),
  ihaar2d: sum(1, 'the inverse lifting in float32: n = 10 roundings per term; M = (sum of |band values|)/2 at the position'),
  adamStep: {
    kind: 'adam',
    reason:
      'm and v are `sum` with n = 3 (beta and 1 - beta rounded to float32, a product, an add) over |m beta| + ' +
      '|g (1 - beta)| (resp. |v beta| + g^2 (1 - beta)); p is one rounding of p (1 ulp) plus 16 u of the ' +
      'update |step m / (sqrt(v) / bc2 + eps)| (sqrt 4.5 ulp, two divisions 2.5 ulp each, the float32 scalars)',
  },
};

/** Allowed |gpu - ref| for one element under a non-custom, non-exact tolerance. */
export function allowance(t: GpuTolerance, ref: number, opts: { n?: number; magnitude?: number } = {}): number {
  switch (t.kind) {
    case 'exact':
      return 0;
    case 'ulps':
      return t.ulps * ulp32(ref) + t.atol;
    case 'sum':
      if (opts.n === undefined || opts.magnitude === undefined) throw new Error('sum tolerance needs n and the magnitude M');
      return sumFactor(opts.n, t.extra) * opts.magnitude;
    case 'custom':
      throw new Error('custom tolerance: call its bound(x, ref)');
    case 'adam':
      throw new Error('adamStep tolerance: use adamAllowances()');
  }
}

/**
 * Allowed |gpu - ref| per element of adamStep's p, m and v, from the values before the step
 * (p0, m0, v0, g) and ref's m and v after it.
 */
export function adamAllowances(
  a: AdamAttrs,
  before: { m: ArrayLike<number>; v: ArrayLike<number>; g: ArrayLike<number> },
  ref: { p: ArrayLike<number>; m: ArrayLike<number>; v: ArrayLike<number> },
): { p: (i: number) => number; m: (i: number) => number; v: (i: number) => number } {
  const f = sumFactor(3, 1);
  const { stepSize, bc2Sqrt } = adamCoefficients(a);
  const { m, v, g } = before;
  return {
    m: (i) => f * (Math.abs(m[i] * a.beta1) + Math.abs(g[i] * (1 - a.beta1))),
    v: (i) => f * (Math.abs(v[i] * a.beta2) + g[i] * g[i] * (1 - a.beta2)),
    p: (i) => ulp32(ref.p[i]) + 16 * U * Math.abs((stepSize * ref.m[i]) / (Math.sqrt(ref.v[i]) / bc2Sqrt + a.eps)),
  };
}
