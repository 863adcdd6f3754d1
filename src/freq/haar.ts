import { concat, haar2d, ihaar2d, reshape, split, unsqueeze, type Tensor } from '../tensor/index.js';

// One-level Haar DWT with pytorch_wavelets' layout: yl [B,C,h,w] and yh [B,C,3,h,w] holding
// (low W, high H), (high W, low H), (high, high) — pywt's cH, cV, cD, same signs.

export function dwtHaar(x: Tensor): { yl: Tensor; yh: Tensor } {
  const y = haar2d(x);
  const band = y.rank - 3;
  const [yl, yh] = split(y, [1, 3], band);
  return { yl: reshape(yl, y.shape.filter((_, i) => i !== band)), yh };
}

export function idwtHaar(yl: Tensor, yh: Tensor): Tensor {
  return ihaar2d(concat([unsqueeze(yl, yl.rank - 2), yh], yl.rank - 2));
}

/**
 * The four subbands as separate [B,C,h,w] tensors: LL, LH, HL, HH. One split (its gradient is one
 * concat, where four slices' would be four full-size pads and their sum).
 */
export function haarBands(x: Tensor): [Tensor, Tensor, Tensor, Tensor] {
  const y = haar2d(x);
  const band = y.rank - 3;
  const shape = y.shape.filter((_, i) => i !== band);
  return split(y, [1, 1, 1, 1], band).map((b) => reshape(b, shape)) as [Tensor, Tensor, Tensor, Tensor];
}

/** Inverse of haarBands. */
export function fromHaarBands(bands: readonly Tensor[]): Tensor {
  if (bands.length !== 4) throw new Error(`fromHaarBands: need 4 bands, got ${bands.length}`);
  const r = bands[0].rank;
  return ihaar2d(concat(bands.map((b) => unsqueeze(b, r - 2)), r - 2));
}
