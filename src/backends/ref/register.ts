import { registerBackend, registerKernel } from '../registry.js';
import { refBackend } from './backend.js';
import { conv2d, conv2dGradInput, conv2dGradWeight } from './conv.js';
import { affine, binaryFns, binaryKernel, clamp, compare, compareScalar, unaryFns, unaryKernel } from './elementwise.js';
import { dct } from './dct.js';
import { haar2d, ihaar2d } from './haar.js';
import { matmul } from './matmul.js';
import { adamStep } from './optim.js';
import { avgPool2d, avgPool2dGrad, maxPool2d, maxPool2dGrad } from './pool.js';
import { extremum, extremumMask, sum } from './reduce.js';
import { resizeBilinear, resizeBilinearGrad } from './resize.js';
import { concat, expand, pad, permute, slice, split } from './shaping.js';

let registered = false;

/**
 * Registers the reference backend and its kernels (once). Called from tensor.ts through a named
 * import rather than left to a bare `import './register.js'`: bundlers drop a bare import of a
 * module they take to be free of side effects (rolldown, in Vite 8, does so despite the
 * package's "sideEffects" list), which left bundles without the ref backend.
 */
export function registerRefBackend(): void {
  if (registered) return;
  registered = true;
  registerBackend(refBackend);
  const k = (op: string, fn: Parameters<typeof registerKernel>[2]) => registerKernel('ref', op, fn);

  for (const [name, f] of Object.entries(unaryFns)) k(name, unaryKernel(f));
  for (const [name, f] of Object.entries(binaryFns)) k(name, binaryKernel(f));
  k('affine', affine);
  k('compareScalar', compareScalar);
  k('compare', compare);
  k('clamp', clamp);
  k('sum', sum);
  k('extremum', extremum);
  k('extremumMask', extremumMask);
  k('permute', permute);
  k('expand', expand);
  k('slice', slice);
  k('split', split);
  k('pad', pad);
  k('concat', concat);
  k('matmul', matmul);
  k('conv2d', conv2d);
  k('conv2dGradInput', conv2dGradInput);
  k('conv2dGradWeight', conv2dGradWeight);
  k('maxPool2d', maxPool2d);
  k('maxPool2dGrad', maxPool2dGrad);
  k('avgPool2d', avgPool2d);
  k('avgPool2dGrad', avgPool2dGrad);
  k('resizeBilinear', resizeBilinear);
  k('resizeBilinearGrad', resizeBilinearGrad);
  k('dct', dct);
  k('haar2d', haar2d);
  k('ihaar2d', ihaar2d);
  k('adamStep', adamStep);
}

registerRefBackend();
