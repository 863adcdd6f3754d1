import { allocTyped, type Shape } from '../backends/types.js';
import type { Rng } from './rng.js';
import { numel } from './shape.js';
import { tensor, type CreateOptions, type Tensor } from './tensor.js';

// Random numbers are drawn on the host from the counter-based generator and then uploaded, so
// every backend sees the same values for the same seed.

function host(shape: Shape, opts: CreateOptions): Float32Array | Float64Array {
  return allocTyped(opts.dtype ?? 'float32', numel(shape));
}

/** Uniform values in [lo, hi). */
export function randUniform(shape: Shape, rng: Rng, lo = 0, hi = 1, opts: CreateOptions = {}): Tensor {
  const v = host(shape, opts);
  rng.fillUniform(v, lo, hi);
  return tensor(v, shape, opts);
}

/** Normal values with the given mean and standard deviation. */
export function randNormal(shape: Shape, rng: Rng, mean = 0, std = 1, opts: CreateOptions = {}): Tensor {
  const v = host(shape, opts);
  rng.fillNormal(v, mean, std);
  return tensor(v, shape, opts);
}
