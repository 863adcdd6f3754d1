import { beforeAll, describe, expect, it } from 'vitest';
import { backward, conv2d, mul, relu, Rng, scope, sum, tensor, type Conv2dOptions } from '../../src/tensor/index.js';
import { TEST_BACKENDS } from '../support/backends.js';
import { expectSameBits, randomInput } from './wasm-support.js';

// conv2d with `relu` is relu(conv2d(...)) as one op: on every backend, the fused output and every
// gradient must equal the two-op composition's bit for bit (the activation is applied to the
// same rounded value, and the gradient goes through the same reluGrad). The kernels' paths:
// Winograd (3x3, stride 1, pad 1 on wasm), the 1x1 matrix product, the general im2col GEMM, and
// a case without bias.

const cases: { x: number[]; w: number[]; bias: boolean; opts: Conv2dOptions }[] = [
  { x: [2, 5, 10, 9], w: [6, 5, 3, 3], bias: true, opts: { padding: 1 } },
  { x: [2, 7, 6, 6], w: [9, 7, 1, 1], bias: true, opts: {} },
  { x: [1, 3, 9, 8], w: [4, 3, 3, 2], bias: true, opts: { stride: [2, 1], padding: [1, 0] } },
  { x: [2, 4, 6, 5], w: [3, 4, 3, 3], bias: false, opts: { padding: 1 } },
];

async function run(backend: string, c: (typeof cases)[number], fused: boolean, seed: number): Promise<Float32Array[]> {
  const rng = new Rng(seed, 1);
  const x = randomInput(rng, c.x), w = randomInput(rng, c.w, -0.5, 0.5), b = randomInput(rng, [c.w[0]]);
  const opts = { requiresGrad: true, backend };
  const leaves = [tensor(x, c.x, opts), tensor(w, c.w, opts), ...(c.bias ? [tensor(b, [c.w[0]], opts)] : [])];
  const [xt, wt, bt] = leaves;
  // a weighted sum as the loss, so every output element has its own upstream gradient
  const y = scope(() => {
    const out = fused ? conv2d(xt, wt, bt, { ...c.opts, relu: true }) : relu(conv2d(xt, wt, bt, c.opts));
    backward(sum(mul(out, tensor(randomInput(rng, out.shape), out.shape, { backend }))));
    return out;
  });
  try {
    return [await y.data(), ...(await Promise.all(leaves.map((t) => t.grad!.data())))] as Float32Array[];
  } finally {
    y.dispose();
    for (const t of leaves) t.dispose();
  }
}

describe.each(TEST_BACKENDS)('conv2d with relu on $name', (backend) => {
  let skip: string | null = null;
  beforeAll(async () => {
    skip = await backend.setup();
  }, 60_000);

  cases.forEach((c, k) => {
    it(`[${c.x}] * [${c.w}] ${JSON.stringify(c.opts)}${c.bias ? '' : ', no bias'}: output and gradients equal relu(conv2d) bit for bit`, async (ctx) => {
      if (skip) ctx.skip(skip);
      const fused = await run(backend.name, c, true, 40 + k);
      const plain = await run(backend.name, c, false, 40 + k);
      expect(fused.length).toBe(plain.length);
      // some outputs are clipped, or the case would not test the activation
      expect(fused[0].some((v) => v === 0) && fused[0].some((v) => v > 0)).toBe(true);
      fused.forEach((f, i) => expectSameBits(f, plain[i], ['y', 'dx', 'dw', 'db'][i]));
    });
  });
});
