// Output-size rules of the windowed ops, shared by the op definitions (shape inference) and the
// kernels (which check the engine's preallocated outputs against them).

function windowOutSize(what: string, inSize: number, k: number, stride: number, pad: number): number {
  if (!(k >= 1 && stride >= 1 && pad >= 0)) {
    throw new Error(`${what}: bad window (kernel ${k}, stride ${stride}, padding ${pad})`);
  }
  const out = Math.floor((inSize + 2 * pad - k) / stride) + 1;
  if (out < 1) throw new Error(`${what}: kernel ${k} with padding ${pad} does not fit input ${inSize}`);
  return out;
}

/** PyTorch's conv2d output length along one axis (dilation 1). */
export function convOutSize(inSize: number, k: number, stride: number, pad: number): number {
  return windowOutSize('conv2d', inSize, k, stride, pad);
}

/**
 * PyTorch's pooling output length along one axis in floor mode (ceil_mode=false). PyTorch also
 * requires pad <= k/2 so that every window touches the input; enforce it so that a window of
 * pure padding (max = -Infinity, average over zero elements) can never be produced.
 */
export function poolOutSize(inSize: number, k: number, stride: number, pad: number): number {
  if (2 * pad > k) throw new Error(`pool2d: padding ${pad} exceeds half the kernel ${k}`);
  return windowOutSize('pool2d', inSize, k, stride, pad);
}

/** Kernels check the engine's preallocated outputs, so a shape-inference bug fails loudly. */
export function assertShape(actual: readonly number[], expected: readonly number[], what: string): void {
  if (actual.length !== expected.length || actual.some((d, i) => d !== expected[i])) {
    throw new Error(`${what}: shape [${actual.join(', ')}], expected [${expected.join(', ')}]`);
  }
}
