import { dct2d } from '../freq/index.js';
import { add, affine, div, interpolateBilinear, l1Loss, mulScalar, tensor, type Tensor } from '../tensor/index.js';
import { sameShape, shapeStr } from '../tensor/shape.js';

export interface MultiscaleLossOptions {
  /** Integer downsampling factors; 1 is the full resolution. */
  scales?: readonly number[];
  freqWeight?: number;
  spatialWeight?: number;
}

export interface MultiscaleLossTerm {
  scale: number;
  /** Mean |p_s - t_s| on images mapped to [0, 1]. */
  spatial: Tensor;
  /** Mean |dct(p_s) - dct(t_s)|. */
  freq: Tensor;
}

export interface MultiscaleLossResult {
  loss: Tensor;
  terms: MultiscaleLossTerm[];
}

const f32 = Math.fround;

/**
 * The reference training loss with its per-scale terms. Images in [-1, 1] are mapped to [0, 1];
 * at each scale s both are bilinearly downsampled with scale_factor 1/s (align_corners=false,
 * out = floor(in / s)), and the term (1/s)(spatialWeight L1 + freqWeight L1 of the orthonormal
 * DCTs) is added; the sum is divided by sum(1/s) + 1e-12. Python-float weights enter as float32
 * scalars, as they do in the reference's float32 graph.
 */
export function multiscaleLossParts(pred: Tensor, target: Tensor, opts: MultiscaleLossOptions = {}): MultiscaleLossResult {
  const scales = opts.scales ?? [1, 2, 4];
  const fw = f32(opts.freqWeight ?? 2);
  const sw = f32(opts.spatialWeight ?? 1);
  if (!sameShape(pred.shape, target.shape)) throw new Error(`multiscaleLoss: pred ${shapeStr(pred.shape)} and target ${shapeStr(target.shape)} differ`);
  if (pred.rank < 2) throw new Error(`multiscaleLoss: need images [..., H, W], got ${shapeStr(pred.shape)}`);
  if (!scales.length || scales.some((s) => !(s >= 1) || !Number.isFinite(s))) throw new Error(`multiscaleLoss: invalid scales [${scales.join(', ')}]`);
  const p01 = affine(pred, 0.5, 0.5);
  const t01 = affine(target, 0.5, 0.5);
  let total: Tensor | null = null;
  let totalWeight = 0;
  const terms: MultiscaleLossTerm[] = [];
  for (const s of scales) {
    const down = (x: Tensor) => (s === 1 ? x : interpolateBilinear(x, { scaleFactor: 1 / s, alignCorners: false }));
    const ps = down(p01);
    const ts = down(t01);
    const spatial = l1Loss(ps, ts);
    const freq = l1Loss(dct2d(ps), dct2d(ts));
    const w = 1 / s;
    const term = mulScalar(add(mulScalar(spatial, sw), mulScalar(freq, fw)), f32(w));
    total = total ? add(total, term) : term;
    totalWeight += w;
    terms.push({ scale: s, spatial, freq });
  }
  const denom = tensor([f32(totalWeight + 1e-12)], [], { dtype: pred.dtype, backend: pred.backend });
  return { loss: div(total!, denom), terms };
}

export function multiscaleLoss(pred: Tensor, target: Tensor, opts: MultiscaleLossOptions = {}): Tensor {
  return multiscaleLossParts(pred, target, opts).loss;
}
