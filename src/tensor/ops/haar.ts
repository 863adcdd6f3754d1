import { runOp } from '../engine.js';
import { defineOp } from '../registry.js';
import { shapeStr } from '../shape.js';
import type { Tensor } from '../tensor.js';

// One-level orthonormal Haar transform of the last two axes: [..., H, W] <-> [..., 4, H/2, W/2]
// with bands LL, (low W, high H), (high W, low H), HH. Orthonormal, so each op's gradient is
// the other op applied to the upstream gradient.

const haar2dOp = defineOp({
  name: 'haar2d',
  inputs: 1,
  inferShapes: ([s]) => {
    const r = s.length;
    if (r < 2 || s[r - 2] % 2 || s[r - 1] % 2 || s[r - 2] === 0) throw new Error(`haar2d: needs even, non-zero H and W, got ${shapeStr(s)}`);
    return [[...s.slice(0, -2), 4, s[r - 2] / 2, s[r - 1] / 2]];
  },
  saves: () => ({}),
  grad: ({ grads: [g] }) => [ihaar2d(g)],
});

const ihaar2dOp = defineOp({
  name: 'ihaar2d',
  inputs: 1,
  inferShapes: ([s]) => {
    const r = s.length;
    if (r < 3 || s[r - 3] !== 4) throw new Error(`ihaar2d: needs [..., 4, h, w], got ${shapeStr(s)}`);
    return [[...s.slice(0, -3), s[r - 2] * 2, s[r - 1] * 2]];
  },
  saves: () => ({}),
  grad: ({ grads: [g] }) => [haar2d(g)],
});

export const haar2d = (x: Tensor): Tensor => runOp(haar2dOp, [x])[0];
export const ihaar2d = (x: Tensor): Tensor => runOp(ihaar2dOp, [x])[0];
