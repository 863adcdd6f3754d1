// Kernel source for the math functions whose GPU built-ins are too loose. Each snippet reads
// the float32 `v` and sets `y`.
//
// sin/cos: WGSL and Vulkan only promise an absolute error of 2^-11 on [-pi, pi] and nothing
// outside it (NVIDIA's fast path reduces the argument in single precision), so the backend
// evaluates them itself, as Cephes' sinf/cosf do: reduction by pi/4 with pi/4 split into three
// parts (the first two short enough, 8 and 11 bits, that j * part is exact for |x| < 6434), then
// minimax polynomials on [-pi/4, pi/4]. j's parity and j mod 8 come from exact divisions by
// powers of two.
//
// erf: no GPU built-in. |x| < 1: its Maclaurin series to x^23 (terms below 2^-27 dropped);
// |x| >= 1: 1 - erfc, erfc from Numerical Recipes' Chebyshev fit (fractional error < 1.2e-7,
// i.e. < 1.9e-8 absolute in erf for |x| >= 1, below half an ulp of erf there).

const SINCOF = [-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1];
const COSCOF = [2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2];

/** Shared reduction: sets z (reduced argument), zz = z*z, j in 0..3 and the sign s. */
function reduce(cos: boolean): string {
  return (
    `const ax = Math.abs(v);\n` +
    `let jj = Math.floor(ax * 1.2732395447351628);\n` + // 4/pi
    `let yy = jj;\n` +
    `if (jj - 2 * Math.floor(jj / 2) > 0.5) { jj = jj + 1; yy = yy + 1; }\n` +
    `jj = jj - 8 * Math.floor(jj / 8);\n` +
    `let s = ${cos ? '1' : 'v < 0 ? -1 : 1'};\n` +
    `if (jj > 3.5) { s = -s; jj = jj - 4; }\n` +
    (cos ? `if (jj > 1.5) { s = -s; }\n` : '') +
    `const z = ((ax - yy * 0.78515625) - yy * 2.4187564849853515625e-4) - yy * 3.77489497744594108e-8;\n` +
    `const zz = z * z;\n` +
    `const ps = ((${SINCOF[0]} * zz + ${SINCOF[1]}) * zz + ${SINCOF[2]}) * zz * z + z;\n` +
    `const pc = ((${COSCOF[0]} * zz + ${COSCOF[1]}) * zz + ${COSCOF[2]}) * zz * zz - 0.5 * zz + 1;\n`
  );
}

export function sinSource(): string {
  return reduce(false) + `const y = (jj > 0.5 && jj < 2.5 ? pc : ps) * s;\n`;
}

export function cosSource(): string {
  return reduce(true) + `const y = (jj > 0.5 && jj < 2.5 ? ps : pc) * s;\n`;
}

/** Maclaurin coefficients of erf in powers of x^2: 2/sqrt(pi) * (-1)^n / (n! (2n+1)). */
function erfSeries(): number[] {
  const out: number[] = [];
  let fact = 1;
  for (let n = 0; n <= 11; n++) {
    if (n > 0) fact *= n;
    out.push(((n % 2 ? -1 : 1) * 2) / Math.sqrt(Math.PI) / (fact * (2 * n + 1)));
  }
  return out;
}

const ERFC_FIT = [-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277];

function horner(coef: readonly number[], x: string): string {
  let e = String(coef[coef.length - 1]);
  for (let k = coef.length - 2; k >= 0; k--) e = `(${coef[k]} + ${x} * ${e})`;
  return e;
}

export function erfSource(): string {
  return (
    `const ax = Math.abs(v);\n` +
    `const x2 = v * v;\n` +
    `const small = v * ${horner(erfSeries(), 'x2')};\n` +
    `const t = 1 / (1 + 0.5 * ax);\n` +
    `const erfc = t * Math.exp(-x2 + ${horner(ERFC_FIT, 't')});\n` +
    `const big = v < 0 ? erfc - 1 : 1 - erfc;\n` +
    `const y = ax < 1 ? small : big;\n`
  );
}
