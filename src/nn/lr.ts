import { detSinCos2Pi } from '../math/detmath.js';

export interface CosineAnnealingOptions {
  baseLr: number;
  tMax: number;
  etaMin?: number;
}

/**
 * Learning rate after `epoch` scheduler steps of torch.optim.lr_scheduler.CosineAnnealingLR
 * (closed form; agrees with PyTorch's recursive form to ~1e-19). Periodic beyond tMax as PyTorch's.
 */
export function cosineAnnealingLr(epoch: number, { baseLr, tMax, etaMin = 0 }: CosineAnnealingOptions): number {
  if (!(tMax > 0) || !Number.isInteger(epoch) || epoch < 0) throw new Error(`cosineAnnealingLr: invalid epoch ${epoch} or tMax ${tMax}`);
  const turns = (epoch % (2 * tMax)) / (2 * tMax);
  return etaMin + ((baseLr - etaMin) * (1 + detSinCos2Pi(turns)[1])) / 2;
}
