// The module's exports. Every kernel has the signature (chunk, scratch, params): numbers only.

export { gemm, GEMM_SCRATCH } from './gemm';
export { winograd, winogradWeights } from './winograd';
export { winogradGrad, winogradGradFinish } from './winograd-grad';
export { unary, binary, copy, sumRows, adam } from './elementwise';
export { reduce } from './reduce';
export { maxPool2d, maxPool2dGrad, avgPool2d, avgPool2dGrad } from './pool';
export { resizeBilinear, resizeBilinearGrad } from './resize';
export { haar2d, ihaar2d } from './haar';

/** End of the module's static data (math tables), which the host's heap must start above. */
export function dataEnd(): usize {
  return __heap_base;
}
