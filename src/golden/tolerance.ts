import type { Tolerance } from './types.js';

// Tolerances of the conformance check. The golden values are float32 PyTorch results; the
// README beside them measured how far they sit from float64 references and suggests these
// bounds. A check is |a - e| <= atol + rtol * max|e| per element (max over the tensor).

/**
 * Single ops (conv, linear, pooling, resize, DCT, Haar, losses, sampling math): both sides are
 * float32 with different summation orders, so results differ by a few ulps of the largest
 * partial sums. The README's measured f32-vs-f64 errors are <= 8e-6 abs (conv grad.weight,
 * sums of ~100 products of size ~10) and <= 6e-7 relative; atol 1e-5 + rtol 1e-4 is its
 * suggested bound with about 10x headroom on both.
 */
export const SINGLE_OP: Tolerance = { atol: 1e-5, rtol: 1e-4, why: 'single float32 op: README suggestion atol 1e-5 + rtol 1e-4' };

/**
 * Sines and cosines of float32 angles far from 0 (positional encoding at pi 2^(n-1), time
 * embedding at t f_i with t up to T): an angle that differs by one float32 ulp between the two
 * sides (exp/linspace rounded differently) moves the value by |angle| 2^-24, i.e. ~6e-6 at angle
 * 100 and more for larger t; the README measured 5e-6..6.4e-6 against float64 and suggests up to
 * ~3e-5 abs for these.
 */
export const HIGH_FREQ_TRIG: Tolerance = { atol: 3e-5, rtol: 1e-4, why: 'trig of large float32 angles: README suggestion ~3e-5 abs' };

/**
 * Parameters after Adam steps: each step moves a parameter by ~lr (1e-4), so a tolerance of the
 * single-op kind would hide a wrong update. Both sides round the parameter to float32 once per
 * step (<= 1 ulp apart each time) and the update itself agrees to ~1e-6 relative (1e-10 abs):
 * README atol 1e-6, plus 4 ulps of the largest parameter for parameters of magnitude > 4.
 */
export const ADAM_PARAM: Tolerance = { atol: 1e-6, rtol: 2 ** -22, why: 'Adam parameters: README atol 1e-6 (+4 ulps of max|p|)' };

/**
 * Adam moments: a few float32 roundings of m = b1 m + (1-b1) g and v = b2 v + (1-b2) g^2 on each
 * side (~2e-7 relative each, fused or not), with gradients as small as 1e-3 so any absolute
 * floor would swamp them; 1e-5 relative to the tensor's largest moment keeps ~30x headroom and
 * still catches a wrong beta or bias correction (>= 1e-3 relative).
 */
export const ADAM_MOMENT: Tolerance = { atol: 0, rtol: 1e-5, why: 'Adam moments: a few float32 roundings, relative to max|m|' };

/**
 * Learning rates (1e-7..1e-4): both sides round the same double (closed form vs PyTorch's
 * recursion agree to ~1e-19) to float32, so at most one ulp apart; one ulp of the largest value.
 */
export const LEARNING_RATE: Tolerance = { atol: 0, rtol: 2 ** -23, why: 'float32 of the same double: 1 ulp of max|lr|' };

/**
 * Eta schedule: the same NumPy double arithmetic rounded to float32 (the deterministic exp/log
 * differ from libm by ~1e-16 relative, which can flip a float32 rounding only at a near-tie), so
 * values are equal or one ulp apart; two float32 ulps at 1.0.
 */
export const SCHEDULE: Tolerance = { atol: 2 ** -22, rtol: 0, why: 'eta schedule: same arithmetic, <= 2 float32 ulps at 1' };
