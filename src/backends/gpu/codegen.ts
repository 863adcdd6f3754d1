// Building blocks of the generated GPU.js kernel sources. Every kernel computes one element of
// a 1-D output (this.thread.x) and is generated per shape, with sizes and strides written in as
// integer literals, so each compiled kernel serves exactly one (op, shapes, attrs) and GPU.js's
// own cache key is the source text.
//
// GPU.js types kernel variables as float32, and its `/` is a float division that WGSL and GLSL
// may compute to within 2.5 ulp, so floor(i / d) can come out one too small at exact multiples.
// divmod() corrects the quotient with exact float arithmetic (sums and products of integers
// below 2^24 are exact in float32), which keeps index math exact on every GPU.

/** Lines that set `q` = floor(v / d) and `r` = v - q*d for an integer-valued float expression v in [0, 2^24). */
export function divmod(expr: string, d: number, q: string, r: string): string {
  const v = /^[A-Za-z_][A-Za-z0-9_]*$|^[0-9]+$/.test(expr) ? expr : `(${expr})`;
  if (d === 1) return `const ${q} = ${v};\nconst ${r} = 0;\n`;
  // A power of two divides exactly in binary floating point: no correction needed.
  if ((d & (d - 1)) === 0) return `const ${q} = Math.floor(${v} / ${d});\nconst ${r} = ${v} - ${q} * ${d};\n`;
  return (
    `let ${q} = Math.floor(${v} / ${d});\nlet ${r} = ${v} - ${q} * ${d};\n` +
    `if (${r} < 0) { ${q} = ${q} - 1; ${r} = ${r} + ${d}; }\n` +
    `if (${r} >= ${d}) { ${q} = ${q} + 1; ${r} = ${r} - ${d}; }\n`
  );
}

/**
 * Lines that split the flat index `flat` into row-major coordinates of `shape`; returns them
 * and the coordinate expressions (the literal '0' for axes of size 1).
 */
export function coords(flat: string, shape: readonly number[], prefix: string): { code: string; c: string[] } {
  const r = shape.length;
  const c = new Array<string>(r).fill('0');
  let code = '';
  let rem = flat;
  let first = r; // first axis with size > 1 takes what remains, without a division
  for (let k = 0; k < r; k++) {
    if (shape[k] !== 1) {
      first = k;
      break;
    }
  }
  for (let k = r - 1; k > first; k--) {
    if (shape[k] === 1) continue;
    const q = `${prefix}q${k}`;
    const rr = `${prefix}${k}`;
    code += divmod(rem, shape[k], q, rr);
    c[k] = rr;
    rem = q;
  }
  if (first < r) c[first] = rem;
  return { code, c };
}

/** The expression sum(c[k] * strides[k]) + offset, leaving out zero terms. */
export function linear(c: readonly string[], strides: readonly number[], offset = 0): string {
  const terms: string[] = [];
  for (let k = 0; k < c.length; k++) {
    if (strides[k] === 0 || c[k] === '0') continue;
    terms.push(strides[k] === 1 ? c[k] : `${c[k]} * ${strides[k]}`);
  }
  if (offset !== 0 || !terms.length) terms.push(String(offset));
  return terms.length === 1 ? terms[0] : `(${terms.join(' + ')})`;
}

/**
 * Merges adjacent axes that every operand walks contiguously (stride[k] = stride[k+1] *
 * shape[k+1]) and drops axes of size 1: fewer coordinates, fewer divisions per element.
 */
export function mergeAxes(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let k = 0; k < shape.length; k++) {
    if (shape[k] === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, j) => outStrides[j][last] === s[k] * shape[k])) {
      outShape[last] *= shape[k];
      strides.forEach((s, j) => (outStrides[j][last] = s[k]));
      continue;
    }
    outShape.push(shape[k]);
    strides.forEach((s, j) => outStrides[j].push(s[k]));
  }
  return { shape: outShape, strides: outStrides };
}

/** A kernel function's source text from its parameter names and body. */
export function kernelSource(params: readonly string[], body: string): string {
  return `function (${params.join(', ')}) {\nconst i = this.thread.x;\n${body}}`;
}
