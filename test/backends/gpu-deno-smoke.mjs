// Run by test/backends/gpu-engine.test.ts in Deno, from the built package: the same
// conv -> relu -> sum forward and backward as that test, on Deno's own WebGPU (navigator.gpu)
// through GPU.js. Prints one JSON line: what ran, the loss and the three gradients.
import { backward, conv2d, initGpuBackend, relu, Rng, scope, setBackend, sum, tensor } from '../../dist/index.js';

const xs = [2, 3, 9, 10], ws = [4, 3, 3, 3];
const rng = new Rng(41);
const draw = (shape) => rng.fillUniform(new Float32Array(shape.reduce((p, d) => p * d, 1)), -1, 1);
const x0 = draw(xs), w0 = draw(ws), b0 = draw([4]);

const be = await initGpuBackend({ mode: 'webgpu' });
setBackend('gpu');
const out = scope(() => {
  const x = tensor(x0, xs, { requiresGrad: true });
  const w = tensor(w0, ws, { requiresGrad: true });
  const b = tensor(b0, [4], { requiresGrad: true });
  const loss = sum(relu(conv2d(x, w, b, { stride: [2, 2], padding: [1, 1] })));
  backward(loss);
  return { loss, x, w, b };
});
const read = async (t) => Array.from(await t.data());
console.log(JSON.stringify({
  described: be.describe(),
  kernelClass: be.rt.kernelClass,
  loss: await read(out.loss),
  gx: await read(out.x.grad),
  gw: await read(out.w.grad),
  gb: await read(out.b.grad),
}));
