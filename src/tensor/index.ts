// The engine's public surface. Importing it registers the reference backend.
import '../backends/ref/register.js';

export type { DType, Shape, TypedArray, Backend, BackendBuffer, Kernel, KernelTensor } from '../backends/types.js';
export { registerBackend, registerKernel, getBackend, listBackends, kernelNames } from '../backends/registry.js';
export { Tensor, tensor, full, zeros, ones, scalar, viewOf, emptyOn, setDefaultBackend } from './tensor.js';
export { memory } from './memory.js';
export type { MemoryInfo, BackendMemory } from './memory.js';
export type { CreateOptions } from './tensor.js';
export { scope, keep } from './scope.js';
export { runOp, noGrad, isGradEnabled, setBackend, toBackend, transferCount } from './engine.js';
export { backward, retainGrad, zeroGrad } from './autograd.js';
export type { BackwardOptions } from './autograd.js';
export { defineOp, getOp, listOps } from './registry.js';
export type { OpDef, GradContext, Node, Saves } from './node.js';
export { crossSaves } from './node.js';
export { numel, broadcastShapes, shapeStr, sameShape } from './shape.js';
export * from './ops/elementwise.js';
export * from './ops/reduce.js';
export * from './ops/shaping.js';
export * from './ops/matmul.js';
export * from './ops/conv.js';
export * from './ops/pool.js';
export * from './ops/resize.js';
export * from './ops/haar.js';
export * from './ops/optim.js';
export * from './ops/composite.js';
export { Rng } from './rng.js';
export * from './random.js';
