import { runOp } from '../engine.js';
import { defineOp } from '../registry.js';
import { normalizeAxes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { checkAxes, reducedShape, spread, sum, type ReduceAttrs } from './broadcast.js';
import { mul, mulScalar } from './elementwise.js';

// sum lives in broadcast.ts with the broadcasts that are its gradient; it is exported here too.
export { sum, type ReduceAttrs } from './broadcast.js';

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
