// Conformance runner for the PyTorch golden cases (../shared/golden/torch): pure TypeScript, no
// Node built-ins, so it also runs in a browser.
export { runGoldenCase, type RunOptions } from './runner.js';
export { parseGoldenCase } from './parse.js';
export { checkGoldenCase, casePassed, worstCheck, type TensorCheck } from './check.js';
export { handlerFor, knownOps } from './registry.js';
export { CaseContext, backwardWith, takeGrad } from './context.js';
export * as tolerances from './tolerance.js';
export {
  UnsupportedCase, GoldenFormatError,
  type GoldenCase, type GoldenHandler, type GoldenRunResult, type GoldenStatus, type HostTensor, type Tolerance, type CaseOutputs,
} from './types.js';
