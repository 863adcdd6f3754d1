import { adamCoefficients, type AdamAttrs } from '../attrs.js';
import type { Attrs } from '../types.js';
import type { RefTensor } from './backend.js';

// The order of operations follows PyTorch's single-tensor Adam (m, v updated and stored first,
// then p.addcdiv_(m, denom, -stepSize)).
export function adamStep([p, m, v, g]: readonly RefTensor[], _outs: readonly RefTensor[], attrs: Attrs): void {
  const a = attrs as unknown as AdamAttrs;
  const { stepSize, bc2Sqrt } = adamCoefficients(a);
  const { beta1, beta2, eps } = a;
  const P = p.buf.data;
  const M = m.buf.data;
  const V = v.buf.data;
  const G = g.buf.data;
  for (let i = 0; i < P.length; i++) {
    const gi = G[i];
    M[i] = M[i] * beta1 + gi * (1 - beta1);
    V[i] = V[i] * beta2 + gi * gi * (1 - beta2);
    P[i] = P[i] - stepSize * (M[i] / (Math.sqrt(V[i]) / bc2Sqrt + eps));
  }
}
