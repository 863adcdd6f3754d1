import type { AvgPool2dAttrs, AvgPool2dGradAttrs, Pair, Pool2dAttrs } from '../../backends/attrs.js';
import { poolOutSize } from '../../backends/shapes.js';
import { runOp } from '../engine.js';
import type { OpDef } from '../node.js';
import { defineOp } from '../registry.js';
import { shapeStr } from '../shape.js';
import type { Tensor } from '../tensor.js';

function poolShape(op: string, s: readonly number[], { kernel, stride, padding }: Pool2dAttrs): number[] {
  if (s.length !== 4) throw new Error(`${op}: input must be 4-D NCHW, got ${shapeStr(s)}`);
  for (const [name, p, min] of [['kernel', kernel, 1], ['stride', stride, 1], ['padding', padding, 0]] as const) {
    if (p.length !== 2 || p.some((v) => !Number.isInteger(v) || v < min)) throw new Error(`${op}: invalid ${name} [${p.join(', ')}]`);
  }
  if (padding[0] * 2 > kernel[0] || padding[1] * 2 > kernel[1]) throw new Error(`${op}: padding [${padding}] must be at most half the kernel [${kernel}]`);
  const ho = poolOutSize(s[2], kernel[0], stride[0], padding[0]);
  const wo = poolOutSize(s[3], kernel[1], stride[1], padding[1]);
  if (ho < 1 || wo < 1) throw new Error(`${op}: kernel [${kernel}] larger than padded input ${shapeStr(s)}`);
  return [s[0], s[1], ho, wo];
}

const maxPool2dOp = defineOp<Pool2dAttrs>({
  name: 'maxPool2d',
  inputs: 1,
  inferShapes: ([s], a) => [poolShape('maxPool2d', s, a)],
  saves: () => ({ inputs: [0] }),
  grad: ({ inputs: [x], attrs, grads: [g] }) => [runOp(maxPool2dGradOp, [x, g], attrs)[0]],
});
// Gradient to the first maximum of each window in row-major order, as PyTorch does.
const maxPool2dGradOp = defineOp<Pool2dAttrs>({
  name: 'maxPool2dGrad',
  inputs: 2,
  inferShapes: ([x, g], a) => {
    const o = poolShape('maxPool2dGrad', x, a);
    if (o.some((d, i) => d !== g[i])) throw new Error(`maxPool2dGrad: gradient ${shapeStr(g)} does not match output ${shapeStr(o)}`);
    return [x];
  },
});

const avgPool2dOp: OpDef<AvgPool2dAttrs> = defineOp<AvgPool2dAttrs>({
  name: 'avgPool2d',
  inputs: 1,
  inferShapes: ([s], a) => [poolShape('avgPool2d', s, a)],
  saves: () => ({}),
  grad: ({ inputs: [x], attrs, grads: [g] }) => [runOp(avgPool2dGradOp, [g], { ...attrs, inputShape: x.shape })[0]],
});
const avgPool2dGradOp: OpDef<AvgPool2dGradAttrs> = defineOp<AvgPool2dGradAttrs>({
  name: 'avgPool2dGrad',
  inputs: 1,
  inferShapes: ([g], a) => {
    const o = poolShape('avgPool2dGrad', a.inputShape, a);
    if (o.some((d, i) => d !== g[i])) throw new Error(`avgPool2dGrad: gradient ${shapeStr(g)} does not match output ${shapeStr(o)}`);
    return [a.inputShape];
  },
  saves: () => ({}),
  grad: ({ attrs, grads: [gg] }) => [runOp(avgPool2dOp, [gg], { kernel: attrs.kernel, stride: attrs.stride, padding: attrs.padding, countIncludePad: attrs.countIncludePad })[0]],
});

export interface PoolOptions {
  stride?: number | Pair;
  padding?: number | Pair;
}
const pair = (v: number | Pair | undefined, d: Pair): Pair => (v === undefined ? d : typeof v === 'number' ? [v, v] : v);

/** torch.nn.functional.max_pool2d (floor mode); stride defaults to the kernel. */
export function maxPool2d(x: Tensor, kernel: number | Pair, opts: PoolOptions = {}): Tensor {
  const k = pair(kernel, [1, 1]);
  return runOp(maxPool2dOp, [x], { kernel: k, stride: pair(opts.stride, k), padding: pair(opts.padding, [0, 0]) })[0];
}

/** torch.nn.functional.avg_pool2d; countIncludePad defaults to true as in PyTorch. */
export function avgPool2d(x: Tensor, kernel: number | Pair, opts: PoolOptions & { countIncludePad?: boolean } = {}): Tensor {
  const k = pair(kernel, [1, 1]);
  const attrs: AvgPool2dAttrs = { kernel: k, stride: pair(opts.stride, k), padding: pair(opts.padding, [0, 0]), countIncludePad: opts.countIncludePad ?? true };
  return runOp(avgPool2dOp, [x], attrs)[0];
}
