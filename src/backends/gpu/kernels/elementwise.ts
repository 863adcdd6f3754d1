// Elementwise kernels: unary math, binary ops with NumPy broadcasting, and the ops with float
// scalar attributes (affine, compareScalar, clamp), whose scalars are kernel arguments so one
// compiled kernel serves every value (affine's coefficients change every sampler step).

import { broadcastStrides, numel } from '../../geometry.js';
import type { Attrs, Kernel } from '../../types.js';
import type { GpuBackend, GpuTensor } from '../backend.js';
import { coords, kernelSource, linear, mergeAxes } from '../codegen.js';
import { cosSource, erfSource, sinSource } from '../math-source.js';
import type { KernelSpec } from '../runtime.js';

/** Each reads the float32 `v` and leaves the result in `y`. */
export const UNARY_SOURCES: Record<string, string> = {
  neg: 'const y = -v;\n',
  exp: 'const y = Math.exp(v);\n',
  log: 'const y = Math.log(v);\n',
  sqrt: 'const y = Math.sqrt(v);\n',
  abs: 'const y = Math.abs(v);\n',
  sign: 'const y = v > 0 ? 1 : (v < 0 ? -1 : 0);\n',
  relu: 'const y = v > 0 ? v : 0;\n',
  sin: sinSource(),
  cos: cosSource(),
  erf: erfSource(),
};

const BINARY_EXPR: Record<string, string> = {
  add: 'va + vb',
  sub: 'va - vb',
  mul: 'va * vb',
  div: 'va / vb',
  reluGrad: '(vb > 0 ? va : 0)',
};

const CMP_EXPR: Record<string, (a: string, b: string) => string> = {
  gt: (a, b) => `(${a} > ${b} ? 1 : 0)`,
  ge: (a, b) => `(${a} >= ${b} ? 1 : 0)`,
  lt: (a, b) => `(${a} < ${b} ? 1 : 0)`,
  le: (a, b) => `(${a} <= ${b} ? 1 : 0)`,
  eq: (a, b) => `(${a} == ${b} ? 1 : 0)`,
};

function cmpExpr(cmp: unknown, a: string, b: string): string {
  const f = CMP_EXPR[cmp as string];
  if (!f) throw new Error(`gpu backend: unknown comparison '${String(cmp)}'`);
  return f(a, b);
}

/** One input, one output of the same size, optional float scalar arguments. */
function mapKernel(be: GpuBackend, body: (attrs: Attrs) => { code: string; scalars?: Record<string, number> }): Kernel<any> {
  return ([x]: readonly GpuTensor[], [y]: readonly GpuTensor[], attrs: Attrs): void => {
    const n = y.buf.size;
    if (n === 0) return;
    const { code, scalars = {} } = body(attrs);
    const names = Object.keys(scalars);
    const spec: KernelSpec = { size: n, source: kernelSource(['x', ...names], `const v = x[i];\n${code}return y;\n`), anySize: true };
    const values = names.map((k) => scalars[k]);
    be.enqueue([x.buf], [y.buf], async ([hx], rt) => [await rt.run(spec, [hx, ...values])]);
  };
}

export function unaryKernel(be: GpuBackend, code: string): Kernel<any> {
  return mapKernel(be, () => ({ code }));
}

/** Binary op over broadcast operands: `expr` combines va and vb. */
function broadcastKernel(be: GpuBackend, expr: (attrs: Attrs) => string): Kernel<any> {
  return ([a, b]: readonly GpuTensor[], [z]: readonly GpuTensor[], attrs: Attrs): void => {
    const n = numel(z.shape);
    if (n === 0) return;
    const m = mergeAxes(z.shape, [broadcastStrides(a.shape, z.shape), broadcastStrides(b.shape, z.shape)]);
    const { code, c } = coords('i', m.shape, 'c');
    const body = `${code}const va = a[${linear(c, m.strides[0])}];\nconst vb = b[${linear(c, m.strides[1])}];\nreturn ${expr(attrs)};\n`;
    // one merged axis (equal shapes, or one operand a scalar): a[i] or a[0], no sizes in the source
    const spec: KernelSpec = { size: n, source: kernelSource(['a', 'b'], body), anySize: m.shape.length <= 1 };
    be.enqueue([a.buf, b.buf], [z.buf], async ([ha, hb], rt) => [await rt.run(spec, [ha, hb])]);
  };
}

export function elementwiseKernels(be: GpuBackend): Record<string, Kernel<any>> {
  const table: Record<string, Kernel<any>> = {};
  for (const [name, code] of Object.entries(UNARY_SOURCES)) table[name] = unaryKernel(be, code);
  for (const [name, e] of Object.entries(BINARY_EXPR)) table[name] = broadcastKernel(be, () => e);
  table.compare = broadcastKernel(be, (a) => cmpExpr(a.cmp, 'va', 'vb'));
  table.affine = mapKernel(be, (a) => ({ code: 'const y = v * scale + shift;\n', scalars: { scale: a.scale as number, shift: a.shift as number } }));
  table.compareScalar = mapKernel(be, (a) => ({ code: `const y = ${cmpExpr(a.cmp, 'v', 'value')};\n`, scalars: { value: a.value as number } }));
  // A missing bound is left out of the source (no infinite literal or argument needed).
  table.clamp = mapKernel(be, (a) => {
    const lo = a.min as number | null;
    const hi = a.max as number | null;
    const scalars: Record<string, number> = {};
    let e = 'v';
    if (hi !== null) {
      scalars.hi = hi;
      e = `(v > hi ? hi : ${e})`;
    }
    if (lo !== null) {
      scalars.lo = lo;
      e = `(v < lo ? lo : ${e})`;
    }
    return { code: `const y = ${e};\n`, scalars };
  });
  return table;
}
