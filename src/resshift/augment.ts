import { detPow } from '../math/detmath.js';
import {
  affine, avgPool2d, clamp, concat, cos, div, expand, max, mean, min, mul, reshape, sin, sqrt, sub, tensor,
  type DType, type Tensor,
} from '../tensor/index.js';
import { shapeStr } from '../tensor/shape.js';

// Extra conditioning channels the reference model sees next to the low-resolution image y0:
// a 2-D Fourier positional encoding and a normalised local-amplitude (texture) map.

const f32 = Math.fround;

// Float lanes per vector in PyTorch's CPU kernels (AVX2 and the generic build; AVX-512 has 16).
const TORCH_VEC_WIDTH = 8;

/**
 * torch.linspace(0, 1, n) in float32, value for value. PyTorch's CPU kernel (1.13) computes
 * step = float(1 / (n-1)) and fills index i from the nearer end: start + step*i below n/2,
 * end - step*(n-1-i) above, in float arithmetic. Rows of at least two vectors go through its
 * vectorised loop, which does that only at the first lane of each vector and adds k*step for the
 * others; the rest falls back to the scalar rule. The shared golden model case (32 wide)
 * confirms this; an AVX-512 build may differ from it by an ulp for some lengths.
 */
export function linspace01(n: number, vecWidth = TORCH_VEC_WIDTH): Float32Array {
  if (!Number.isInteger(n) || n < 1) throw new Error(`linspace: invalid length ${n}`);
  const out = new Float32Array(n);
  if (n === 1) return out;
  const step = f32(1 / (n - 1));
  const half = Math.floor(n / 2);
  const at = (i: number) => (i < half ? f32(step * i) : f32(1 - f32(step * (n - 1 - i))));
  let i = 0;
  // two vectors per iteration, as PyTorch's vectorized_loop
  for (; vecWidth > 0 && i <= n - 2 * vecWidth; i += 2 * vecWidth) {
    for (const v of [i, i + vecWidth]) {
      const base = at(v);
      for (let k = 0; k < vecWidth; k++) out[v + k] = base + f32(k * step);
    }
  }
  for (; i < n; i++) out[i] = at(i);
  return out;
}

export interface PosEncOptions {
  dtype?: DType;
  backend?: string;
}

/**
 * [1, 4 nFreqs, H, W]: channels 4k..4k+3 = sin(pi b^k x), sin(pi b^k y), cos(pi b^k x),
 * cos(pi b^k y), x = linspace(0,1,W) along the width, y = linspace(0,1,H) along the height.
 * Frequencies and angles are float32 products, as in the reference.
 */
export function fourierPosEnc(H: number, W: number, nFreqs = 6, base = 2, opts: PosEncOptions = {}): Tensor {
  if (!Number.isInteger(nFreqs) || nFreqs < 1) throw new Error(`fourierPosEnc: invalid number of frequencies ${nFreqs}`);
  if (!(base > 0) || !Number.isFinite(base)) throw new Error(`fourierPosEnc: invalid base ${base}`);
  const xs = linspace01(W);
  const ys = linspace01(H);
  const plane = H * W;
  const ang = new Float32Array(nFreqs * 2 * plane);
  for (let k = 0; k < nFreqs; k++) {
    const f = f32(f32(detPow(f32(base), k)) * f32(Math.PI));
    const ox = 2 * k * plane;
    const oy = ox + plane;
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < W; j++) {
        ang[ox + i * W + j] = xs[j] * f;
        ang[oy + i * W + j] = ys[i] * f;
      }
    }
  }
  const a = tensor(ang, [1, nFreqs, 2, H, W], { dtype: opts.dtype ?? 'float32', backend: opts.backend });
  return reshape(concat([sin(a), cos(a)], 2), [1, 4 * nFreqs, H, W]);
}

export interface LocalAmplitudeParts {
  mu: Tensor;
  mu2: Tensor;
  variance: Tensor;
  /** sqrt(mean over channels of the variance + eps), [B, 1, H, W]. */
  ampRaw: Tensor;
  amin: Tensor;
  amax: Tensor;
  /** (ampRaw - min) / (max - min + eps) per image, [B, 1, H, W]. */
  output: Tensor;
}

/**
 * The reference local_amplitude with its intermediates: local variance from two
 * avg_pool2d(k, 1, k//2) (zero padding counted in the divisor), clamped at 0, averaged over
 * channels, square-rooted, then min-max normalised per image. Differentiable; min/max send
 * their gradient to the first extremum, as torch.min/max(dim).
 */
export function localAmplitudeParts(x: Tensor, kernel = 7, eps = 1e-6): LocalAmplitudeParts {
  if (x.rank !== 4) throw new Error(`localAmplitude: input must be [B, C, H, W], got ${shapeStr(x.shape)}`);
  if (!Number.isInteger(kernel) || kernel < 1) throw new Error(`localAmplitude: invalid kernel ${kernel}`);
  const pool = (v: Tensor) => avgPool2d(v, kernel, { stride: 1, padding: Math.floor(kernel / 2), countIncludePad: true });
  // eps enters as a float32 scalar, like a Python float added to a float32 tensor
  const e = f32(eps);
  const mu = pool(x);
  const mu2 = pool(mul(x, x));
  const variance = clamp(sub(mu2, mul(mu, mu)), 0);
  const ampRaw = sqrt(affine(mean(variance, 1, true), 1, e));
  const B = x.shape[0];
  const flat = reshape(ampRaw, [B, -1]);
  const amin = min(flat, 1);
  const amax = max(flat, 1);
  const lo = reshape(amin, [B, 1, 1, 1]);
  const output = div(sub(ampRaw, lo), affine(reshape(sub(amax, amin), [B, 1, 1, 1]), 1, e));
  return { mu, mu2, variance, ampRaw, amin, amax, output };
}

export function localAmplitude(x: Tensor, kernel = 7, eps = 1e-6): Tensor {
  return localAmplitudeParts(x, kernel, eps).output;
}

/**
 * The model's conditioning input: cat[y0, positional encoding (repeated over the batch),
 * localAmplitude((y0 + 1) / 2)] -> [B, C + 4 nFreqs + 1, H, W] (28 channels for RGB).
 */
export function augmentY0(y0: Tensor, nFreqs = 6, ampKernel = 7): Tensor {
  if (y0.rank !== 4) throw new Error(`augmentY0: y0 must be [B, C, H, W], got ${shapeStr(y0.shape)}`);
  const [B, , H, W] = y0.shape;
  const pos = expand(fourierPosEnc(H, W, nFreqs, 2, { dtype: y0.dtype, backend: y0.backend }), [B, 4 * nFreqs, H, W]);
  const amp = localAmplitude(affine(y0, 0.5, 0.5), ampKernel);
  return concat([y0, pos, amp], 1);
}
