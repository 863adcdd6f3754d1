import type { Shape } from '../../backends/types.js';
import { runOp } from '../engine.js';
import { defineOp } from '../registry.js';
import { broadcastShapes, normalizeAxes, numel, sameShape, shapeStr } from '../shape.js';
import type { Tensor } from '../tensor.js';

// reshape, expand and sum: each is in the others' gradients (a sum's gradient is a broadcast,
// a broadcast's a sum), so they live together here, below elementwise, shaping and reduce,
// which import them; those modules then import each other without a cycle.

const reshapeOp = defineOp<{ shape: Shape }>({
  name: 'reshape',
  inputs: 1,
  view: true,
  inferShapes: ([s], { shape }) => {
    if (numel(shape) !== numel(s) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new Error(`reshape: cannot reshape ${shapeStr(s)} to ${shapeStr(shape)}`);
    }
    return [shape];
  },
  saves: () => ({}),
  grad: ({ inputs: [x], grads: [g] }) => [reshape(g, x.shape)],
});
/** A view with another shape; one dimension may be -1. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const known = shape.filter((d) => d !== -1);
  if (known.length < shape.length - 1) throw new Error(`reshape: more than one -1 in ${shapeStr(shape)}`);
  const fill = known.length < shape.length ? x.size / Math.max(1, numel(known)) : 0;
  if (!Number.isInteger(fill)) throw new Error(`reshape: cannot reshape ${shapeStr(x.shape)} to ${shapeStr(shape)}`);
  return runOp(reshapeOp, [x], { shape: shape.map((d) => (d === -1 ? fill : d)) })[0];
}

const expandOp = defineOp<{ shape: Shape }>({
  name: 'expand',
  inputs: 1,
  inferShapes: ([s], { shape }) => {
    const b = broadcastShapes(s, shape);
    if (!b || b.length !== shape.length || b.some((d, i) => d !== shape[i])) {
      throw new Error(`expand: ${shapeStr(s)} cannot be broadcast to ${shapeStr(shape)}`);
    }
    return [shape];
  },
  saves: () => ({}),
  grad: ({ inputs: [x], grads: [g] }) => [unbroadcast(g, x.shape)],
});
/** Broadcasts x to `shape` (a copy; NumPy rules). */
export function expand(x: Tensor, shape: Shape): Tensor {
  return runOp(expandOp, [x], { shape: [...shape] })[0];
}

/** Sums g over the axes along which `shape` was broadcast, so it matches `shape` again. */
export function unbroadcast(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  const s = axes.length ? sum(g, axes) : g;
  return reshape(s, shape);
}

export interface ReduceAttrs {
  axes: readonly number[]; // sorted, non-negative
  keepDims: boolean;
}

export function reducedShape(s: Shape, { axes, keepDims }: ReduceAttrs): Shape {
  const out: number[] = [];
  s.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepDims) out.push(1);
  });
  return out;
}

export function checkAxes(name: string, s: Shape, a: ReduceAttrs): void {
  normalizeAxes(name, a.axes, s.length);
}

/** g broadcast back over the reduced axes of x. */
export function spread(g: Tensor, x: Tensor, axes: readonly number[]): Tensor {
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

export function sum(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  return runOp(sumOp, [x], { axes: normalizeAxes('sum', axes, x.rank), keepDims })[0];
}
