import { sinusoidalTimeEmbedding, timeEmbeddingFreqs } from '../../nn/embedding.js';
import type { CaseContext } from '../context.js';
import { HIGH_FREQ_TRIG, SINGLE_OP } from '../tolerance.js';
import type { GoldenHandler, HostTensor } from '../types.js';
import type { Tensor } from '../../tensor/index.js';

/** SinusoidalPosEmb(dim): output; optional freqs. */
export const timeEmbeddingHandler: GoldenHandler = {
  ops: ['sinusoidal_time_embedding'],
  isGiven: (n) => n === 't',
  isOptional: (n) => n === 'freqs',
  tolerance: (n) => (n === 'output' ? HIGH_FREQ_TRIG : SINGLE_OP),
  run(ctx: CaseContext) {
    ctx.onlyArgs(['dim', 'max_period']);
    const dim = ctx.int('dim');
    ctx.checkSize('output', [ctx.has('t') ? ctx.host('t').data.length : 1, dim]);
    const maxPeriod = ctx.num('max_period', 10000);
    const f = timeEmbeddingFreqs(dim, maxPeriod);
    return new Map<string, Tensor | HostTensor>([
      ['output', sinusoidalTimeEmbedding(ctx.input('t'), dim, maxPeriod)],
      ['freqs', { shape: [f.length], data: f }],
    ]);
  },
};
