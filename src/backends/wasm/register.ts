// Registers backend 'wasm' and its kernels with the dispatch registry. Ops missing here run
// on 'ref' (the registry moves the data and warns once).

import { adamCoefficients, type AdamAttrs } from '../attrs.js';
import { registerBackend, registerKernel } from '../registry.js';
import type { Attrs, Kernel } from '../types.js';
import { WasmBackend, type WasmTensor } from './backend.js';
import { ELEMENT_CHUNK } from './control.js';
import { dctKernel } from './kernels/dct.js';
import { affineKernel, BINARY_OPS, binaryKernel, clampKernel, compareKernel, compareScalarKernel, UNARY_OPS, unaryKernel } from './kernels/elementwise.js';
import { conv2dGradInputKernel, conv2dGradWeightKernel, conv2dKernel, matmulKernel, setGemmBlocks } from './kernels/linalg.js';
import { reduceKernels } from './kernels/reduce.js';
import { shapingKernels } from './kernels/shaping.js';
import { windowedKernels } from './kernels/windowed.js';
import type { WasmRuntime } from './runtime.js';

function adamKernel(rt: WasmRuntime) {
  return ([p, m, v, g]: readonly WasmTensor[], _outs: readonly WasmTensor[], attrs: Attrs): void => {
    const a = attrs as unknown as AdamAttrs;
    const { stepSize, bc2Sqrt } = adamCoefficients(a);
    const n = p.buf.size;
    const params = rt.params([p.buf.ptr, m.buf.ptr, v.buf.ptr, g.buf.ptr, n], [a.beta1, a.beta2, a.eps, stepSize, bc2Sqrt, 1 - a.beta1, 1 - a.beta2]);
    rt.run('adam', Math.ceil(n / ELEMENT_CHUNK), params, n >= 4 * ELEMENT_CHUNK);
  };
}

export function wasmKernels(rt: WasmRuntime): Record<string, Kernel<any>> {
  setGemmBlocks(rt);
  const table: Record<string, Kernel<any>> = {};
  for (const [name, code] of Object.entries(UNARY_OPS)) table[name] = unaryKernel(rt, rt.constant(code));
  for (const [name, code] of Object.entries(BINARY_OPS)) table[name] = binaryKernel(rt, rt.constant(code));
  Object.assign(table, {
    affine: affineKernel(rt),
    compareScalar: compareScalarKernel(rt),
    compare: compareKernel(rt),
    clamp: clampKernel(rt),
    matmul: matmulKernel(rt),
    conv2d: conv2dKernel(rt),
    conv2dGradInput: conv2dGradInputKernel(rt),
    conv2dGradWeight: conv2dGradWeightKernel(rt),
    adamStep: adamKernel(rt),
    dct: dctKernel(rt),
    ...reduceKernels(rt),
    ...shapingKernels(rt),
    ...windowedKernels(rt),
  });
  return table;
}

export function registerWasm(rt: WasmRuntime): WasmBackend {
  const backend = new WasmBackend(rt);
  registerBackend(backend);
  for (const [op, fn] of Object.entries(wasmKernels(rt))) registerKernel('wasm', op, fn);
  return backend;
}
