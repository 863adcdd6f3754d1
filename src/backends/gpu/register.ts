// Every op's gpu kernel, by name (the same set as the reference backend's register.ts).

import type { Kernel } from '../types.js';
import type { GpuBackend } from './backend.js';
import { elementwiseKernels } from './kernels/elementwise.js';
import { linalgKernels } from './kernels/linalg.js';
import { adamKernel } from './kernels/optim.js';
import { reduceKernels } from './kernels/reduce.js';
import { shapingKernels } from './kernels/shaping.js';
import { windowedKernels } from './kernels/windowed.js';

export function gpuKernels(be: GpuBackend): Record<string, Kernel<any>> {
  return {
    ...elementwiseKernels(be),
    ...reduceKernels(be),
    ...shapingKernels(be),
    ...linalgKernels(be),
    ...windowedKernels(be),
    adamStep: adamKernel(be),
  };
}
