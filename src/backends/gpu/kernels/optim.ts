// Adam's update in place. GPU results are immutable, so the step computes new m, v and p (in
// PyTorch's order: m and v first, p from the new m and v) and swaps them in for the old ones.

import { adamCoefficients, type AdamAttrs } from '../../attrs.js';
import type { Attrs, Kernel } from '../../types.js';
import type { GpuBackend, GpuTensor } from '../backend.js';
import { kernelSource } from '../codegen.js';
import type { KernelSpec } from '../runtime.js';

export function adamKernel(be: GpuBackend): Kernel<any> {
  return ([p, m, v, g]: readonly GpuTensor[], _outs: readonly GpuTensor[], attrs: Attrs): void => {
    const a = attrs as unknown as AdamAttrs;
    const n = p.buf.size;
    for (const t of [m, v, g]) if (t.buf.size !== n) throw new Error(`gpu adamStep: ${t.buf.size} elements where the parameter has ${n}`);
    if (n === 0) return;
    const { stepSize, bc2Sqrt } = adamCoefficients(a);
    const mSpec: KernelSpec = { size: n, source: kernelSource(['m', 'g', 'beta', 'rest'], 'return m[i] * beta + g[i] * rest;\n'), anySize: true };
    const vSpec: KernelSpec = { size: n, source: kernelSource(['v', 'g', 'beta', 'rest'], 'const gi = g[i];\nreturn v[i] * beta + gi * gi * rest;\n'), anySize: true };
    const pSpec: KernelSpec = { size: n, source: kernelSource(['p', 'm', 'v', 'step', 'bc2', 'eps'], 'return p[i] - step * (m[i] / (Math.sqrt(v[i]) / bc2 + eps));\n'), anySize: true };
    be.enqueue([p.buf, m.buf, v.buf, g.buf], [p.buf, m.buf, v.buf], async ([hp, hm, hv, hg], rt) => {
      const m2 = await rt.run(mSpec, [hm, hg, a.beta1, 1 - a.beta1]);
      const v2 = await rt.run(vSpec, [hv, hg, a.beta2, 1 - a.beta2]);
      const p2 = await rt.run(pSpec, [hp, m2, v2, stepSize, bc2Sqrt, a.eps]);
      return [p2, m2, v2];
    });
  };
}
