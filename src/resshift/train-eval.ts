// Validation during training: the sampler on the centre crop (training crop size) of each
// validation image, so every evaluation sees the same pixels and its cost does not grow with
// the image size. The sampler's noise is a function of the seed alone, so evaluating never
// changes the training generators.
import { createImage } from '../image/types.js';
import type { ImageSet } from './data.js';
import { evaluateModel, type ImageMetrics, type MetricTriple } from './evaluate.js';
import type { DualDomainUNet } from './model.js';
import type { EtaSchedule } from './schedule.js';

export interface EvalSummary {
  images: ImageMetrics[];
  mean: { sr: MetricTriple; bicubic: MetricTriple; gain: MetricTriple };
}

export interface EvalOptions {
  schedule: EtaSchedule;
  kappa: number;
  seed: number;
}

/** PSNR / SSIM of the model's samples and of bicubic on the validation centre crops. */
export async function evaluateCrops(model: DualDomainUNet, set: ImageSet, o: EvalOptions): Promise<EvalSummary> {
  if (!set.centreOnly) throw new Error('evaluateCrops: load the validation set with centreOnly');
  const images = [];
  for (let i = 0; i < set.length; i++) {
    const px = await set.pixels(i);
    const x = new Float32Array(px.length);
    for (let k = 0; k < px.length; k++) x[k] = px[k] / 255;
    images.push({ name: set.images[i].name, image: createImage(set.crop, set.crop, x) });
  }
  const r = await evaluateModel(model, images, { schedule: o.schedule, kappa: o.kappa, seed: o.seed });
  return { images: r.images, mean: r.mean };
}
