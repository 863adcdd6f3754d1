// Browser-, Deno- and Node-safe entry point: no Node built-ins are reachable from here.
export * from './tensor/index.js';
export * from './freq/index.js';
export * from './nn/index.js';
export { DualDomainUNet, defaultUNetConfig, type UNetConfig } from './resshift/model.js';
export { initWasmBackend, stopWasmWorkers, wasmThreads } from './backends/wasm/index.js';
export { initGpuBackend, type GpuOptions, type GpuMode } from './backends/gpu/index.js';
