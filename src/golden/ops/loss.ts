import { multiscaleLossParts } from '../../resshift/loss.js';
import { abs, backward, l1Loss, sub, sum } from '../../tensor/index.js';
import { takeGrad, type CaseContext } from '../context.js';
import type { CaseOutputs, GoldenHandler } from '../types.js';

const KNOWN_FORMS: Record<string, string> = {
  spatial_loss: 'L1 mean',
  freq_transform: 'dct_2d ortho',
  downsample: 'bilinear, scale_factor=1/s, align_corners=False',
};

function multiscale(ctx: CaseContext): CaseOutputs {
  ctx.onlyArgs(['scales', 'freq_weight', 'spatial_weight', ...Object.keys(KNOWN_FORMS)]);
  for (const [k, v] of Object.entries(KNOWN_FORMS)) ctx.requireDefault(k, (x) => x === v, `'${v}'`);
  const scales = ctx.numList('scales', [1, 2, 4]);
  const pred = ctx.input('pred', true);
  const { loss, terms } = multiscaleLossParts(pred, ctx.input('target'), {
    scales,
    freqWeight: ctx.num('freq_weight', 2),
    spatialWeight: ctx.num('spatial_weight', 1),
  });
  backward(loss);
  const out: CaseOutputs = new Map([
    ['loss', loss],
    ['grad.pred', takeGrad(pred)],
  ]);
  // the reference names the terms with "%d" % s
  for (const t of terms) {
    out.set(`intermediate.l_spatial_s${Math.trunc(t.scale)}`, t.spatial);
    out.set(`intermediate.l_freq_s${Math.trunc(t.scale)}`, t.freq);
  }
  return out;
}

function l1(ctx: CaseContext): CaseOutputs {
  ctx.onlyArgs(['reduction']);
  const reduction = ctx.str('reduction', 'mean');
  if (reduction !== 'mean' && reduction !== 'sum') ctx.unsupported(`reduction='${reduction}' (mean and sum are implemented)`);
  const pred = ctx.input('pred', true);
  const target = ctx.input('target');
  const loss = reduction === 'mean' ? l1Loss(pred, target) : sum(abs(sub(pred, target)));
  backward(loss);
  return new Map([
    ['loss', loss],
    ['grad.pred', takeGrad(pred)],
  ]);
}

/** Losses of scalar value (upstream gradient 1): loss and grad.pred; optional intermediate.*. */
export const lossHandler: GoldenHandler = {
  ops: ['multiscale_loss', 'l1_loss'],
  isGiven: (n) => n === 'pred' || n === 'target',
  isOptional: (n) => n.startsWith('intermediate.'),
  run: (ctx) => (ctx.op === 'multiscale_loss' ? multiscale(ctx) : l1(ctx)),
};
