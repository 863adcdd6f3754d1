import type { AdamAttrs } from '../../backends/attrs.js';
import { runOp } from '../engine.js';
import { defineOp } from '../registry.js';
import { sameShape, shapeStr } from '../shape.js';
import type { Tensor } from '../tensor.js';

const adamStepOp = defineOp<AdamAttrs>({
  name: 'adamStep',
  inputs: 4,
  inPlace: true,
  inferShapes: (shapes, a) => {
    if (!shapes.every((s) => sameShape(s, shapes[0]))) throw new Error(`adamStep: param, moments and grad differ in shape: ${shapes.map(shapeStr).join(', ')}`);
    if (!(a.step >= 1) || !Number.isInteger(a.step)) throw new Error(`adamStep: step must be a positive integer, got ${a.step}`);
    for (const k of ['lr', 'beta1', 'beta2', 'eps'] as const) if (!Number.isFinite(a[k])) throw new Error(`adamStep: ${k} is ${a[k]}`);
    return [];
  },
});

/**
 * One Adam update in place of param, expAvg and expAvgSq (PyTorch 1.13 single-tensor form:
 * denom = sqrt(v)/sqrt(1-b2^t) + eps; p -= lr/(1-b1^t) * m/denom).
 */
export function adamStep(param: Tensor, expAvg: Tensor, expAvgSq: Tensor, grad: Tensor, attrs: AdamAttrs): void {
  runOp(adamStepOp, [param, expAvg, expAvgSq, grad], attrs);
}
