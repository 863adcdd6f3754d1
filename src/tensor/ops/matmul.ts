import type { Shape } from '../../backends/types.js';
import { runOp } from '../engine.js';
import { crossSaves } from '../node.js';
import { defineOp } from '../registry.js';
import { broadcastShapes, shapeStr } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, unbroadcast } from './elementwise.js';

export interface MatmulAttrs {
  transA: boolean;
  transB: boolean;
}

/** Output shape of op(a) @ op(b) with broadcast batch dims; both operands have rank >= 2. */
function matmulShape([a, b]: readonly Shape[], { transA, transB }: MatmulAttrs): Shape[] {
  if (a.length < 2 || b.length < 2) throw new Error(`matmul: operands need rank >= 2, got ${shapeStr(a)} and ${shapeStr(b)}`);
  const m = transA ? a[a.length - 1] : a[a.length - 2];
  const ka = transA ? a[a.length - 2] : a[a.length - 1];
  const kb = transB ? b[b.length - 1] : b[b.length - 2];
  const n = transB ? b[b.length - 2] : b[b.length - 1];
  if (ka !== kb) {
    throw new Error(`matmul: inner dimensions differ: ${shapeStr(a)}${transA ? 'ᵀ' : ''} @ ${shapeStr(b)}${transB ? 'ᵀ' : ''} (${ka} vs ${kb})`);
  }
  const batch = broadcastShapes(a.slice(0, -2), b.slice(0, -2));
  if (!batch) throw new Error(`matmul: batch dims of ${shapeStr(a)} and ${shapeStr(b)} do not broadcast`);
  return [[...batch, m, n]];
}

const matmulOp = defineOp<MatmulAttrs>({
  name: 'matmul',
  inputs: 2,
  inferShapes: matmulShape,
  saves: crossSaves,
  // With C = op(A) op(B): dA = g op(B)ᵀ (or its transpose), dB likewise; batch broadcasting is
  // undone by unbroadcast.
  grad: ({ inputs: [a, b], attrs: { transA, transB }, grads: [g], needsGrad }) => [
    needsGrad[0] ? unbroadcast(transA ? matmul(b, g, transB, true) : matmul(g, b, false, !transB), a.shape) : null,
    needsGrad[1] ? unbroadcast(transB ? matmul(g, a, true, transA) : matmul(a, g, !transA, false), b.shape) : null,
  ],
});

/** Batched matrix product op(a) @ op(b), where op transposes the last two axes when asked. */
export function matmul(a: Tensor, b: Tensor, transA = false, transB = false): Tensor {
  return runOp(matmulOp, [a, b], { transA, transB })[0];
}

/** y = x Wᵀ + b with W [out, in], as torch.nn.functional.linear. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (weight.rank !== 2) throw new Error(`linear: weight must be [out, in], got ${shapeStr(weight.shape)}`);
  if (x.shape[x.rank - 1] !== weight.shape[1]) {
    throw new Error(`linear: input ${shapeStr(x.shape)} does not end in in_features ${weight.shape[1]} of weight ${shapeStr(weight.shape)}`);
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== weight.shape[0])) {
    throw new Error(`linear: bias ${shapeStr(bias.shape)} does not match weight ${shapeStr(weight.shape)}`);
  }
  const y = matmul(x, weight, false, true);
  return bias ? add(y, bias) : y;
}
