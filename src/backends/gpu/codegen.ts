// Building blocks of the generated GPU.js kernel sources. Every kernel computes one element of
// a 1-D output (this.thread.x) and is generated per shape, with sizes and strides written in as
// integer literals, so each compiled kernel serves exactly one (op, shapes, attrs) and GPU.js's
// own cache key is the source text.
//
// Index math is 32-bit integer math, exact for every index below 2^31. What GPU.js 2.24.1 emits
// decides how (seen in the WGSL and GLSL it compiles our kernels to):
// - this.thread.x is an integer there (WGSL: i32(global_invocation_id folded to a flat index);
//   GLSL: an int from gl_FragCoord's texel), and an array read a[e] turns e into an i32/int
//   buffer or texel index. So neither end needs floats.
// - A declared variable is float32 (`var user_i : f32 = f32(i32(threadGid.x))`), exact only below
//   2^24, unless its initializer is an integer literal and the variable is incremented somewhere
//   (its tracer's one hint for Integer): `let q = 0; q++; q = e;` declares an i32/int, and an
//   assignment to it casts a float right side in WGSL. intVar() emits exactly that.
// - Integer +, -, * and comparisons with integer literals stay integer; `/` and `%` always go to
//   float, and there is no cast from float to int in GLSL assignments. So the division is the
//   native function idiv (i32 / i32 in WGSL, int / int in GLSL: exact, truncating) and toInt
//   casts a float (a tap table entry) to an integer; runtime.ts supplies both for each mode.
// Other float variables (values, 0/1 flags, positions inside one plane) stay float32.

/**
 * Lines declaring `name` as a 32-bit integer variable holding the integer expression `expr`. An
 * expression of literals only (a size-1 axis makes `0 * 27`) is folded to one literal: GPU.js
 * types such a product as a float (WGSL then refuses to assign it to an i32).
 */
export function intVar(name: string, expr: string): string {
  const folded = /^[0-9+\-*() ]+$/.test(expr) ? String(evalLiterals(expr)) : expr;
  return `let ${name} = 0;\n${name}++;\n${name} = ${folded};\n`;
}

/** The value of an expression of integer literals, +, -, * and parentheses. */
function evalLiterals(expr: string): number {
  const t = expr.replace(/ /g, '');
  let at = 0;
  const atom = (): number => {
    if (t[at] === '-') {
      at++;
      return -atom();
    }
    if (t[at] === '(') {
      at++;
      const v = sum();
      at++; // ')'
      return v;
    }
    const m = /^[0-9]+/.exec(t.slice(at));
    if (!m) throw new Error(`gpu codegen: not an integer expression: ${expr}`);
    at += m[0].length;
    return Number(m[0]);
  };
  const product = (): number => {
    let v = atom();
    while (t[at] === '*') {
      at++;
      v *= atom();
    }
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (t[at] === '+' || t[at] === '-') {
      const op = t[at++];
      v = op === '+' ? v + product() : v - product();
    }
    return v;
  };
  const v = sum();
  if (at !== t.length) throw new Error(`gpu codegen: not an integer expression: ${expr}`);
  return v;
}

/** Lines that set the integers `q` = floor(v / d) and `r` = v - q*d for an integer expression v >= 0. */
export function divmod(expr: string, d: number, q: string, r: string): string {
  const v = /^[A-Za-z_][A-Za-z0-9_]*$|^[0-9]+$/.test(expr) ? expr : `(${expr})`;
  if (d === 1) return intVar(q, v) + intVar(r, '0');
  return intVar(q, `idiv(${v}, ${d})`) + intVar(r, `${v} - ${q} * ${d}`);
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
  return `function (${params.join(', ')}) {\n${intVar('i', 'this.thread.x')}${body}}`;
}
