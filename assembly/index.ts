// The module's exports. Every kernel has the signature (chunk, scratch, params): numbers only.

export { gemm, GEMM_SCRATCH, MC as GEMM_MC, KC_MAX as GEMM_KC_MAX, NC_MAX as GEMM_NC_MAX } from './gemm';
export { winograd, winogradWeights, TILES as WINOGRAD_TILES } from './winograd';
export { winogradGrad, winogradGradFinish, BT as WINOGRAD_GRAD_TILES } from './winograd-grad';
export { unary, binary, copy, sumRows, adam } from './elementwise';
export { reduce } from './reduce';
export { maxPool2d, maxPool2dGrad, avgPool2d, avgPool2dGrad } from './pool';
export { resizeBilinear, resizeBilinearGrad } from './resize';
export { haar2d, ihaar2d } from './haar';
export { dctSplit, dctMerge, DCT_ROWS, MODE_FOLD_W, MODE_SPLIT_W, MODE_FOLD_H, MODE_SPLIT_H } from './dct';

/** End of the module's static data (math tables), which the host's heap must start above. */
export function dataEnd(): usize {
  return __heap_base;
}
