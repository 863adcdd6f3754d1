import { broadcastStrides } from '../geometry.js';
import type { Attrs } from '../types.js';
import type { RefTensor } from './backend.js';
import { erf } from './math.js';

type Unary = (x: number) => number;

export const unaryFns: Record<string, Unary> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  abs: Math.abs,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN),
  relu: (x) => (x > 0 ? x : x === x ? 0 : NaN),
  sin: Math.sin,
  cos: Math.cos,
  erf,
};

export function unaryKernel(f: Unary) {
  return ([x]: readonly RefTensor[], [y]: readonly RefTensor[]): void => {
    const a = x.buf.data;
    const o = y.buf.data;
    for (let i = 0; i < o.length; i++) o[i] = f(a[i]);
  };
}

function mapKernel(make: (attrs: Attrs) => Unary) {
  return (ins: readonly RefTensor[], outs: readonly RefTensor[], attrs: Attrs): void => unaryKernel(make(attrs))(ins, outs);
}

const cmpFns = {
  gt: (a: number, b: number) => (a > b ? 1 : 0),
  ge: (a: number, b: number) => (a >= b ? 1 : 0),
  lt: (a: number, b: number) => (a < b ? 1 : 0),
  le: (a: number, b: number) => (a <= b ? 1 : 0),
  eq: (a: number, b: number) => (a === b ? 1 : 0),
};
type Cmp = keyof typeof cmpFns;

export const affine = mapKernel((a) => {
  const scale = a.scale as number;
  const shift = a.shift as number;
  return (x) => x * scale + shift;
});
export const compareScalar = mapKernel((a) => {
  const f = cmpFns[a.cmp as Cmp];
  const v = a.value as number;
  return (x) => f(x, v);
});
// NaN stays NaN, as in torch.clamp.
export const clamp = mapKernel((a) => {
  const lo = (a.min as number | null) ?? -Infinity;
  const hi = (a.max as number | null) ?? Infinity;
  return (x) => (x < lo ? lo : x > hi ? hi : x);
});

type Binary = (a: number, b: number) => number;

export function binaryKernel(f: Binary) {
  return ([x, y]: readonly RefTensor[], [z]: readonly RefTensor[]): void => {
    const a = x.buf.data;
    const b = y.buf.data;
    const o = z.buf.data;
    const out = z.shape;
    if (a.length === o.length && b.length === o.length) {
      for (let i = 0; i < o.length; i++) o[i] = f(a[i], b[i]);
      return;
    }
    if (o.length === 0) return;
    const r = out.length;
    const sa = broadcastStrides(x.shape, out);
    const sb = broadcastStrides(y.shape, out);
    const inner = r ? out[r - 1] : 1;
    const ia = r ? sa[r - 1] : 0;
    const ib = r ? sb[r - 1] : 0;
    const idx = new Array<number>(Math.max(r - 1, 0)).fill(0);
    let offA = 0;
    let offB = 0;
    for (let row = 0, p = 0; p < o.length; row++) {
      for (let j = 0, pa = offA, pb = offB; j < inner; j++, pa += ia, pb += ib) o[p++] = f(a[pa], b[pb]);
      // advance the multi-index over all but the innermost axis
      for (let d = r - 2; d >= 0; d--) {
        offA += sa[d];
        offB += sb[d];
        if (++idx[d] < out[d]) break;
        offA -= sa[d] * out[d];
        offB -= sb[d] * out[d];
        idx[d] = 0;
      }
    }
  };
}

export const binaryFns: Record<string, Binary> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  // a selection: g passes unchanged where y > 0 (a NaN y selects 0)
  reluGrad: (g, y) => (y > 0 ? g : 0),
};

export function compare(ins: readonly RefTensor[], outs: readonly RefTensor[], attrs: Attrs): void {
  binaryKernel(cmpFns[attrs.cmp as Cmp])(ins, outs);
}
