import type { Attrs, Shape } from '../../backends/types.js';
import { runOp } from '../engine.js';
import { crossSaves, type GradContext, type Saves } from '../node.js';
import { defineOp } from '../registry.js';
import { broadcastShapes, shapeStr } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { unbroadcast } from './broadcast.js';

export { unbroadcast } from './broadcast.js';

// Elementwise ops. Binary ops broadcast as NumPy does; gradients are reduced back to each
// input's shape by unbroadcast().

// What a unary gradient reads: its input x, its output y, or neither.
const X: Saves = { inputs: [0] };
const Y: Saves = { outputs: [0] };
const NONE: Saves = {};

function unary(name: string, saves?: Saves, grad?: (x: Tensor, y: Tensor, g: Tensor) => Tensor) {
  const op = defineOp({
    name,
    inputs: 1,
    inferShapes: (s) => [s[0]],
    grad: grad && (({ inputs, outputs, grads }) => [grad(inputs[0], outputs[0], grads[0])]),
    saves: saves && (() => saves),
  });
  return (x: Tensor): Tensor => runOp(op, [x])[0];
}

export const neg = unary('neg', NONE, (_x, _y, g) => neg(g));
export const exp = unary('exp', Y, (_x, y, g) => mul(g, y));
export const log = unary('log', X, (x, _y, g) => div(g, x));
export const sqrt = unary('sqrt', Y, (_x, y, g) => div(affine(g, 0.5), y));
export const abs = unary('abs', X, (x, _y, g) => mul(g, sign(x)));
/** sign(0) = 0; its gradient is zero everywhere it exists. */
export const sign = unary('sign');
// The gradient reads the output (y > 0 exactly where x > 0), so the input can be freed after
// the forward pass, and one fused pass replaces a mask and a product.
export const relu = unary('relu', Y, (_x, y, g) => reluGrad(g, y));
export const sin = unary('sin', X, (x, _y, g) => mul(g, cos(x)));
export const cos = unary('cos', X, (x, _y, g) => neg(mul(g, sin(x))));
export const erf = unary('erf', X, (x, _y, g) => mul(g, affine(exp(neg(mul(x, x))), 2 / Math.sqrt(Math.PI))));

export interface AffineAttrs {
  scale: number;
  shift: number;
}
const affineOp = defineOp<AffineAttrs>({
  name: 'affine',
  inputs: 1,
  inferShapes: (s, a) => {
    if (!Number.isFinite(a.scale) || !Number.isFinite(a.shift)) throw new Error(`affine: non-finite scale ${a.scale} or shift ${a.shift}`);
    return [s[0]];
  },
  grad: ({ attrs, grads }) => [affine(grads[0], attrs.scale)],
  saves: () => NONE,
});
/** x * scale + shift, one rounding per element. */
export function affine(x: Tensor, scale: number, shift = 0): Tensor {
  return runOp(affineOp, [x], { scale, shift })[0];
}
export const addScalar = (x: Tensor, c: number) => affine(x, 1, c);
export const mulScalar = (x: Tensor, c: number) => affine(x, c, 0);

export type Comparison = 'gt' | 'ge' | 'lt' | 'le' | 'eq';
export interface CompareScalarAttrs {
  cmp: Comparison;
  value: number;
}
const compareScalarOp = defineOp<CompareScalarAttrs>({
  name: 'compareScalar',
  inputs: 1,
  inferShapes: (s) => [s[0]],
});
/** 1 where `x cmp value` holds, else 0, in x's dtype. Not differentiable. */
export function compareScalar(x: Tensor, cmp: Comparison, value: number): Tensor {
  return runOp(compareScalarOp, [x], { cmp, value })[0];
}

const reluGradOp = defineOp({
  name: 'reluGrad',
  inputs: 2,
  inferShapes: binaryShape('reluGrad'),
});
/**
 * g where y > 0, else 0 (broadcasting as the binary ops): the gradient of relu given its output,
 * as PyTorch's threshold_backward. A selection, not a product: a NaN or infinite g where y <= 0
 * still gives 0. Not differentiable.
 */
export function reluGrad(g: Tensor, y: Tensor): Tensor {
  return runOp(reluGradOp, [g, y])[0];
}

export interface ClampAttrs {
  min: number | null;
  max: number | null;
}
const clampOp = defineOp<ClampAttrs>({
  name: 'clamp',
  inputs: 1,
  inferShapes: (s, a) => {
    if (a.min !== null && a.max !== null && a.min > a.max) throw new Error(`clamp: min ${a.min} > max ${a.max}`);
    if ([a.min, a.max].some((v) => v !== null && Number.isNaN(v))) throw new Error('clamp: NaN bound');
    return [s[0]];
  },
  saves: () => X,
  // PyTorch passes the gradient where min <= x <= max, bounds included.
  grad: ({ inputs: [x], attrs, grads: [g] }) => {
    let r = g;
    if (attrs.min !== null) r = mul(r, compareScalar(x, 'ge', attrs.min));
    if (attrs.max !== null) r = mul(r, compareScalar(x, 'le', attrs.max));
    return [r];
  },
});
export function clamp(x: Tensor, min: number | null, max: number | null = null): Tensor {
  return runOp(clampOp, [x], { min, max })[0];
}

// ---- binary ---------------------------------------------------------------------------------

function binaryShape(name: string) {
  return (s: readonly Shape[]): Shape[] => {
    const out = broadcastShapes(s[0], s[1]);
    if (!out) throw new Error(`${name}: shapes ${shapeStr(s[0])} and ${shapeStr(s[1])} do not broadcast`);
    return [out];
  };
}

function binary(name: string, saves?: (needsGrad: readonly boolean[]) => Saves, grad?: (ctx: GradContext) => [Tensor | null, Tensor | null]) {
  const op = defineOp<Attrs>({
    name,
    inputs: 2,
    inferShapes: binaryShape(name),
    saves,
    grad:
      grad &&
      ((ctx) => {
        const [ga, gb] = grad(ctx);
        return [ga && unbroadcast(ga, ctx.inputs[0].shape), gb && unbroadcast(gb, ctx.inputs[1].shape)];
      }),
  });
  return (a: Tensor, b: Tensor): Tensor => runOp(op, [a, b])[0];
}

export const add = binary('add', () => NONE, ({ grads: [g] }) => [g, g]);
export const sub = binary('sub', () => NONE, ({ grads: [g], needsGrad }) => [g, needsGrad[1] ? neg(g) : null]);
export const mul = binary('mul', crossSaves, ({ inputs: [a, b], grads: [g], needsGrad }) => [
  needsGrad[0] ? mul(g, b) : null,
  needsGrad[1] ? mul(g, a) : null,
]);
// dA = g / b; dB = -g y / b
const divSaves = (needsGrad: readonly boolean[]): Saves => ({ inputs: [1], outputs: needsGrad[1] ? [0] : [] });
export const div = binary('div', divSaves, ({ inputs: [, b], outputs: [y], grads: [g], needsGrad }) => [
  needsGrad[0] ? div(g, b) : null,
  needsGrad[1] ? neg(div(mul(g, y), b)) : null,
]);

export interface CompareAttrs {
  cmp: Comparison;
}
const compareOp = defineOp<CompareAttrs>({ name: 'compare', inputs: 2, inferShapes: binaryShape('compare') });
/** 1 where `a cmp b` holds (broadcast), else 0. Not differentiable. */
export function compare(a: Tensor, cmp: Comparison, b: Tensor): Tensor {
  return runOp(compareOp, [a, b], { cmp })[0];
}
