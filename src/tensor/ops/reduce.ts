import type { Shape } from '../../backends/types.js';
import { runOp } from '../engine.js';
import { defineOp } from '../registry.js';
import { normalizeAxes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { mul, mulScalar } from './elementwise.js';
import { expand, reshape } from './shaping.js';

export interface ReduceAttrs {
  axes: readonly number[]; // sorted, non-negative
  keepDims: boolean;
}

function reducedShape(s: Shape, { axes, keepDims }: ReduceAttrs): Shape {
  const out: number[] = [];
  s.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepDims) out.push(1);
  });
  return out;
}

function checkAxes(name: string, s: Shape, a: ReduceAttrs): void {
  normalizeAxes(name, a.axes, s.length);
}

/** g broadcast back over the reduced axes of x. */
function spread(g: Tensor, x: Tensor, axes: readonly number[]): Tensor {
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  return expand(reshape(g, kept), x.shape);
}

const sumOp = defineOp<ReduceAttrs>({
  name: 'sum',
  inputs: 1,
  inferShapes: ([s], a) => (checkAxes('sum', s, a), [reducedShape(s, a)]),
  saves: () => ({}),
  grad: ({ inputs: [x], attrs, grads: [g] }) => [spread(g, x, attrs.axes)],
});

export interface ExtremumAttrs extends ReduceAttrs {
  kind: 'max' | 'min';
}
const extremumOp = defineOp<ExtremumAttrs>({
  name: 'extremum',
  inputs: 1,
  inferShapes: ([s], a) => {
    checkAxes(a.kind, s, a);
    if (a.axes.some((ax) => s[ax] === 0)) throw new Error(`${a.kind}: reduction over an empty axis`);
    return [reducedShape(s, a)];
  },
  saves: () => ({ inputs: [0] }),
  // Like torch.max(dim): the whole gradient goes to the first extremum, ties are not split.
  grad: ({ inputs: [x], attrs, grads: [g] }) => [mul(spread(g, x, attrs.axes), extremumMask(x, attrs.axes, attrs.kind))],
});

const extremumMaskOp = defineOp<{ axes: readonly number[]; kind: 'max' | 'min' }>({
  name: 'extremumMask',
  inputs: 1,
  inferShapes: ([s], a) => (checkAxes('extremumMask', s, { ...a, keepDims: false }), [s]),
});
/** 1 at the first (row-major) maximum or minimum of each reduced group, 0 elsewhere. */
export function extremumMask(x: Tensor, axes: readonly number[], kind: 'max' | 'min'): Tensor {
  return runOp(extremumMaskOp, [x], { axes: normalizeAxes('extremumMask', axes, x.rank), kind })[0];
}

export function sum(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  return runOp(sumOp, [x], { axes: normalizeAxes('sum', axes, x.rank), keepDims })[0];
}
export function mean(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const ax = normalizeAxes('mean', axes, x.rank);
  const n = ax.reduce((p, a) => p * x.shape[a], 1);
  return mulScalar(sum(x, ax, keepDims), 1 / n);
}
export function max(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  return runOp(extremumOp, [x], { axes: normalizeAxes('max', axes, x.rank), keepDims, kind: 'max' })[0];
}
export function min(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  return runOp(extremumOp, [x], { axes: normalizeAxes('min', axes, x.rank), keepDims, kind: 'min' })[0];
}
