import type { Conv2dAttrs, Conv2dGradInputAttrs, Conv2dGradWeightAttrs, Pair } from '../../backends/attrs.js';
import { convOutSize } from '../../backends/shapes.js';
import { runOp } from '../engine.js';
import { crossSaves } from '../node.js';
import { defineOp } from '../registry.js';
import { shapeStr } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { reluGrad } from './elementwise.js';
import { sum } from './reduce.js';

function checkPair(op: string, name: string, p: Pair, min: number): void {
  if (p.length !== 2 || p.some((v) => !Number.isInteger(v) || v < min)) throw new Error(`${op}: invalid ${name} [${p.join(', ')}]`);
}

function conv2dShapes(s: readonly (readonly number[])[], { stride, padding }: Conv2dAttrs): number[][] {
  const [x, w, b] = s;
  checkPair('conv2d', 'stride', stride, 1);
  checkPair('conv2d', 'padding', padding, 0);
  if (x.length !== 4 || w.length !== 4) throw new Error(`conv2d: input ${shapeStr(x)} and weight ${shapeStr(w)} must both be 4-D (NCHW, OIHW)`);
  if (x[1] !== w[1]) throw new Error(`conv2d: input ${shapeStr(x)} has ${x[1]} channels but weight ${shapeStr(w)} expects ${w[1]}`);
  if (b && (b.length !== 1 || b[0] !== w[0])) throw new Error(`conv2d: bias ${shapeStr(b)} does not match ${w[0]} output channels`);
  const ho = convOutSize(x[2], w[2], stride[0], padding[0]);
  const wo = convOutSize(x[3], w[3], stride[1], padding[1]);
  if (ho < 1 || wo < 1) throw new Error(`conv2d: kernel ${shapeStr(w.slice(2))} larger than padded input ${shapeStr(x)}`);
  return [[x[0], w[0], ho, wo]];
}

const conv2dOp = defineOp<Conv2dAttrs>({
  name: 'conv2d',
  inputs: 3,
  minInputs: 2,
  inferShapes: conv2dShapes,
  // dx reads w, dw reads x, the bias gradient only g; with relu, every one of them the output
  saves: (needsGrad, attrs) => ({ ...crossSaves(needsGrad), outputs: attrs.relu ? [0] : [] }),
  grad: ({ inputs: [x, w, b], outputs: [y], attrs, grads: [gy], needsGrad }) => {
    const g = attrs.relu ? reluGrad(gy, y) : gy;
    return [
      needsGrad[0] ? conv2dGradInput(g, w, attrs, x.shape as [number, number, number, number]) : null,
      needsGrad[1] ? conv2dGradWeight(x, g, attrs, [w.shape[2], w.shape[3]]) : null,
      b && needsGrad[2] ? sum(g, [0, 2, 3]) : null,
    ];
  },
});

const conv2dGradInputOp = defineOp<Conv2dGradInputAttrs>({
  name: 'conv2dGradInput',
  inputs: 2,
  inferShapes: ([g, w], a) => {
    const [o] = conv2dShapes([a.inputShape, w], a);
    if (o.some((d, i) => d !== g[i])) throw new Error(`conv2dGradInput: gradient ${shapeStr(g)} does not match output ${shapeStr(o)}`);
    return [a.inputShape];
  },
  // d(g) reads w, d(w) reads g
  saves: crossSaves,
  grad: ({ inputs: [g, w], attrs, grads: [gg], needsGrad }) => [
    needsGrad[0] ? conv2d(gg, w, null, attrs) : null,
    needsGrad[1] ? conv2dGradWeight(gg, g, attrs, [w.shape[2], w.shape[3]]) : null,
  ],
});

const conv2dGradWeightOp = defineOp<Conv2dGradWeightAttrs>({
  name: 'conv2dGradWeight',
  inputs: 2,
  inferShapes: ([x, g], a) => {
    const w = [g[1], x[1], a.kernelSize[0], a.kernelSize[1]];
    const [o] = conv2dShapes([x, w], a);
    if (o.some((d, i) => d !== g[i])) throw new Error(`conv2dGradWeight: gradient ${shapeStr(g)} does not match output ${shapeStr(o)}`);
    return [w];
  },
});

export interface Conv2dOptions {
  stride?: number | Pair;
  padding?: number | Pair;
  /** relu(conv2d(...)) in one op: the activation is applied as the output is written. */
  relu?: boolean;
}
const pair = (v: number | Pair | undefined, d: number): Pair => (v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : v);

/** 2-D cross-correlation, NCHW input, OIHW weight, zero padding (torch.nn.functional.conv2d). */
export function conv2d(x: Tensor, w: Tensor, bias?: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  const attrs: Conv2dAttrs = { stride: pair(opts.stride, 1), padding: pair(opts.padding, 0) };
  if (opts.relu) attrs.relu = true;
  return runOp(conv2dOp, bias ? [x, w, bias] : [x, w], attrs)[0];
}
export function conv2dGradInput(g: Tensor, w: Tensor, a: Conv2dAttrs, inputShape: readonly [number, number, number, number]): Tensor {
  return runOp(conv2dGradInputOp, [g, w], { stride: a.stride, padding: a.padding, inputShape })[0];
}
export function conv2dGradWeight(x: Tensor, g: Tensor, a: Conv2dAttrs, kernelSize: Pair): Tensor {
  return runOp(conv2dGradWeightOp, [x, g], { stride: a.stride, padding: a.padding, kernelSize })[0];
}
