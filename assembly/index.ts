// The module's exports. Every kernel has the signature (chunk, scratch, params): numbers only.
// Functions named *Scratch give a kernel's per-thread scratch bytes for its sizes (the host asks
// the module, so the layout is defined once).

export { gemm, GEMM_SCRATCH, MC as GEMM_MC, KC_MAX as GEMM_KC_MAX, NC_MAX as GEMM_NC_MAX } from './gemm';
export { MODE_MATMUL as GEMM_MATMUL, MODE_CONV_FWD as GEMM_CONV_FWD, MODE_CONV_GRAD_INPUT as GEMM_CONV_GRAD_INPUT, MODE_CONV_GRAD_WEIGHT as GEMM_CONV_GRAD_WEIGHT } from './gemm';
export { winograd, winogradWeights, winogradScratch, TILES as WINOGRAD_TILES } from './winograd';
export { winogradGrad, winogradGradFinish, winogradGradScratch } from './winograd-grad';
export { unary, binary, copy, sumRows, adam } from './elementwise';
// op codes the host passes to unary and binary
export { U_NEG, U_EXP, U_LOG, U_SQRT, U_ABS, U_SIGN, U_RELU, U_SIN, U_COS, U_ERF, U_AFFINE, U_CMP_SCALAR, U_CLAMP, U_FILL } from './elementwise';
export { B_ADD, B_SUB, B_MUL, B_DIV, B_RELU_GRAD, B_GT, CMP_GT, CMP_GE, CMP_LT, CMP_LE, CMP_EQ } from './elementwise';
export { reduce, sumKept } from './reduce';
export { maxPool2d, maxPool2dGrad, avgPool2d, avgPool2dGrad } from './pool';
export { resizeBilinear, resizeBilinearGrad } from './resize';
export { haar2d, ihaar2d } from './haar';
export { dct1d, dctScratch, DCT_ROWS, DCT_COLS, MODE_FOLD_W, MODE_SPLIT_W, MODE_FOLD_H, MODE_SPLIT_H } from './dct';

/** End of the module's static data (math tables), which the host's heap must start above. */
export function dataEnd(): usize {
  return __heap_base;
}
