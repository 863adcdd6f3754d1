import { runOp } from '../engine.js';
import { defineOp } from '../registry.js';
import { normalizeAxes, shapeStr } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { reshape } from './broadcast.js';

// reshape and expand live in broadcast.ts with sum, their gradients' partner; exported here too.
export { expand, reshape } from './broadcast.js';

// Movement ops. reshape is a view (no copy); the others produce new contiguous tensors. Their
// gradients read only shapes and attrs, so they save nothing.

const permuteOp = defineOp<{ perm: readonly number[] }>({
  name: 'permute',
  inputs: 1,
  inferShapes: ([s], { perm }) => {
    if (perm.length !== s.length || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
      throw new Error(`permute: [${perm.join(', ')}] is not a permutation of the axes of ${shapeStr(s)}`);
    }
    return [perm.map((p) => s[p])];
  },
  saves: () => ({}),
  grad: ({ attrs: { perm }, grads: [g] }) => {
    const inv = new Array<number>(perm.length);
    perm.forEach((p, i) => (inv[p] = i));
    return [permute(g, inv)];
  },
});
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  return runOp(permuteOp, [x], { perm: perm.map((p) => (p < 0 ? p + x.rank : p)) })[0];
}
export function transpose(x: Tensor, a = -2, b = -1): Tensor {
  const perm = Array.from({ length: x.rank }, (_, i) => i);
  const [i, j] = normalizeAxes('transpose', [a, b], x.rank);
  perm[i] = j;
  perm[j] = i;
  return permute(x, perm);
}

export interface SliceAttrs {
  begin: readonly number[];
  end: readonly number[];
}
const sliceOp = defineOp<SliceAttrs>({
  name: 'slice',
  inputs: 1,
  inferShapes: ([s], { begin, end }) => {
    if (begin.length !== s.length || end.length !== s.length) throw new Error(`slice: begin/end need ${s.length} entries for ${shapeStr(s)}`);
    return [
      s.map((d, i) => {
        if (!(0 <= begin[i] && begin[i] <= end[i] && end[i] <= d)) {
          throw new Error(`slice: range [${begin[i]}, ${end[i]}) out of bounds for axis ${i} of ${shapeStr(s)}`);
        }
        return end[i] - begin[i];
      }),
    ];
  },
  saves: () => ({}),
  grad: ({ inputs: [x], attrs: { begin, end }, grads: [g] }) => [
    pad(
      g,
      x.shape.map((d, i) => [begin[i], d - end[i]] as [number, number]),
    ),
  ],
});
/** x[begin:end] along every axis. */
export function slice(x: Tensor, begin: readonly number[], end: readonly number[]): Tensor {
  return runOp(sliceOp, [x], { begin: [...begin], end: [...end] })[0];
}
/** Elements [start, stop) of one axis. */
export function sliceAxis(x: Tensor, axis: number, start: number, stop: number): Tensor {
  const [a] = normalizeAxes('slice', axis, x.rank);
  const begin = x.shape.map(() => 0);
  const end = [...x.shape];
  begin[a] = start;
  end[a] = stop;
  return slice(x, begin, end);
}

export interface SplitAttrs {
  axis: number;
  sizes: readonly number[];
}
const splitOp = defineOp<SplitAttrs>({
  name: 'split',
  inputs: 1,
  inferShapes: ([s], { axis, sizes }) => {
    if (!(Number.isInteger(axis) && axis >= 0 && axis < s.length)) throw new Error(`split: axis ${axis} out of range for ${shapeStr(s)}`);
    if (!sizes.length || sizes.some((n) => !(Number.isInteger(n) && n >= 0)) || sizes.reduce((a, n) => a + n, 0) !== s[axis]) {
      throw new Error(`split: sizes [${sizes.join(', ')}] must be one or more non-negative integers adding up to ${s[axis]} (axis ${axis} of ${shapeStr(s)})`);
    }
    return sizes.map((n) => s.map((d, i) => (i === axis ? n : d)));
  },
  saves: () => ({}),
  // One copy back, where slicing each piece would pad every gradient to full size and add them.
  grad: ({ attrs: { axis }, grads }) => [concat(grads, axis)],
});
/** Consecutive pieces of one axis, `sizes` long (they add up to the axis): the inverse of concat. */
export function split(x: Tensor, sizes: readonly number[], axis = 0): Tensor[] {
  const [a] = normalizeAxes('split', axis, x.rank);
  return runOp(splitOp, [x], { axis: a, sizes: [...sizes] });
}

export interface PadAttrs {
  pads: readonly (readonly [number, number])[];
  value: number;
}
const padOp = defineOp<PadAttrs>({
  name: 'pad',
  inputs: 1,
  inferShapes: ([s], { pads }) => {
    if (pads.length !== s.length || pads.some(([a, b]) => !(Number.isInteger(a) && Number.isInteger(b) && a >= 0 && b >= 0))) {
      throw new Error(`pad: need ${s.length} non-negative [before, after] pairs for ${shapeStr(s)}`);
    }
    return [s.map((d, i) => d + pads[i][0] + pads[i][1])];
  },
  saves: () => ({}),
  grad: ({ inputs: [x], attrs: { pads }, grads: [g] }) => [
    slice(
      g,
      pads.map(([b]) => b),
      pads.map(([b], i) => b + x.shape[i]),
    ),
  ],
});
/** Constant padding, [before, after] per axis. */
export function pad(x: Tensor, pads: readonly (readonly [number, number])[], value = 0): Tensor {
  return runOp(padOp, [x], { pads: pads.map((p) => [p[0], p[1]] as const), value })[0];
}

const concatOp = defineOp<{ axis: number }>({
  name: 'concat',
  inputs: -1,
  inferShapes: (shapes, { axis }) => {
    const first = shapes[0];
    let total = 0;
    for (const s of shapes) {
      if (s.length !== first.length || s.some((d, i) => i !== axis && d !== first[i])) {
        throw new Error(`concat: shapes ${shapes.map(shapeStr).join(', ')} differ outside axis ${axis}`);
      }
      total += s[axis];
    }
    const out = [...first];
    out[axis] = total;
    return [out];
  },
  saves: () => ({}),
  grad: ({ inputs, attrs: { axis }, grads: [g], needsGrad }) => {
    let at = 0;
    return inputs.map((x, i) => {
      const start = at;
      at += x.shape[axis];
      return needsGrad[i] ? sliceAxis(g, axis, start, at) : null;
    });
  },
});
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (!xs.length) throw new Error('concat: no tensors');
  const [a] = normalizeAxes('concat', axis, xs[0].rank);
  return runOp(concatOp, xs, { axis: a })[0];
}

export const unsqueeze = (x: Tensor, axis: number): Tensor => {
  const a = axis < 0 ? axis + x.rank + 1 : axis;
  const s = [...x.shape];
  s.splice(a, 0, 1);
  return reshape(x, s);
};
export const flatten = (x: Tensor): Tensor => reshape(x, [x.size]);
