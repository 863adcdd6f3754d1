// The engine alone: tensors, autograd, ops, backends, layers, the DualDomainUNet. No Node
// built-ins and no third-party imports are reachable from here, so a page can load it without a
// bundler (with one import map entry for #wasm-workers; see README "Use it").
export * from './tensor/index.js';
export * from './freq/index.js';
export * from './nn/index.js';
export { Module, type NamedArray } from './nn/module.js';
export { Conv2d, Linear, Sequential, type InitOptions } from './nn/layers.js';
export { sinusoidalTimeEmbedding, timeEmbeddingFreqs } from './nn/embedding.js';
export { DualDomainUNet, defaultUNetConfig, type UNetConfig } from './resshift/model.js';
export { initWasmBackend, stopWasmWorkers, wasmFma, wasmThreads } from './backends/wasm/index.js';
export { initGpuBackend, type GpuOptions, type GpuMode } from './backends/gpu/index.js';
