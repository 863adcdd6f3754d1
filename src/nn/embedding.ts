import { detExp, detLog } from '../math/detmath.js';
import { concat, cos, mul, reshape, sin, tensor, type Tensor } from '../tensor/index.js';
import { shapeStr } from '../tensor/shape.js';

/**
 * The frequencies of the reference SinusoidalPosEmb as PyTorch computes them in float32:
 * freqs[i] = exp(float32(i * float32(-ln(maxPeriod) / (half - 1)))), rounded to float32.
 */
export function timeEmbeddingFreqs(dim: number, maxPeriod = 10000): Float32Array {
  if (!Number.isInteger(dim) || dim < 4 || dim % 2) throw new Error(`sinusoidalTimeEmbedding: dim must be an even integer >= 4, got ${dim}`);
  if (!(maxPeriod > 0) || !Number.isFinite(maxPeriod)) throw new Error(`sinusoidalTimeEmbedding: invalid max period ${maxPeriod}`);
  const half = dim / 2;
  const negStep = Math.fround(-detLog(maxPeriod) / (half - 1));
  const f = new Float32Array(half);
  for (let i = 0; i < half; i++) f[i] = detExp(Math.fround(i * negStep));
  return f;
}

/** [B] timesteps -> [B, dim] = cat(sin(t f), cos(t f)) (sin first), differentiable in t. */
export function sinusoidalTimeEmbedding(t: Tensor, dim: number, maxPeriod = 10000): Tensor {
  if (t.rank !== 1) throw new Error(`sinusoidalTimeEmbedding: t must be [B], got ${shapeStr(t.shape)}`);
  const f = timeEmbeddingFreqs(dim, maxPeriod);
  const freqs = tensor(f, [1, f.length], { dtype: t.dtype, backend: t.backend });
  const ang = mul(reshape(t, [t.shape[0], 1]), freqs);
  return concat([sin(ang), cos(ang)], 1);
}
