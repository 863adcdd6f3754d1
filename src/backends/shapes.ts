// Output-size rules of the windowed ops, shared by the op definitions (shape inference) and the
// kernels (which check the engine's preallocated outputs against them). The geometry functions
// are those checks as every backend runs them, so all backends accept and reject the same
// shapes with the same messages.

import type { Conv2dAttrs, Conv2dGradInputAttrs, Conv2dGradWeightAttrs, Pool2dAttrs, ResizeBilinearAttrs } from './attrs.js';
import { numel } from './geometry.js';
import type { Shape } from './types.js';

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

type Dims4 = readonly [number, number, number, number];

function dims4(shape: Shape, what: string): Dims4 {
  if (shape.length !== 4) throw new Error(`${what}: expected a 4-d tensor, got [${shape.join(', ')}]`);
  return shape as unknown as Dims4;
}

/** Sizes of one conv2d and its gradients: x [N,C,H,W], w [O,C,kh,kw], y [N,O,Ho,Wo]. */
export interface ConvGeometry {
  N: number;
  C: number;
  H: number;
  W: number;
  O: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  Ho: number;
  Wo: number;
}

type ConvSizes = Omit<ConvGeometry, 'O'>;

function convSizes(x: Dims4, kh: number, kw: number, a: Conv2dAttrs): ConvSizes {
  const [N, C, H, W] = x;
  const [sh, sw] = a.stride;
  const [ph, pw] = a.padding;
  return { N, C, H, W, kh, kw, sh, sw, ph, pw, Ho: convOutSize(H, kh, sh, ph), Wo: convOutSize(W, kw, sw, pw) };
}

/** conv2d inputs x, w, optional bias and its output, checked against each other. */
export function conv2dGeometry(x: Shape, w: Shape, bias: Shape | undefined, out: Shape, a: Conv2dAttrs): ConvGeometry {
  const xd = dims4(x, 'conv2d input');
  const [O, Cw, kh, kw] = dims4(w, 'conv2d weight');
  assertShape([Cw], [xd[1]], 'conv2d weight channels');
  const s = convSizes(xd, kh, kw, a);
  assertShape(out, [s.N, O, s.Ho, s.Wo], 'conv2d output');
  if (bias) assertShape(bias, [O], 'conv2d bias');
  return { ...s, O };
}

/** conv2dGradInput inputs gradOut, w and its output (x's gradient, shape a.inputShape). */
export function conv2dGradInputGeometry(gradOut: Shape, w: Shape, out: Shape, a: Conv2dGradInputAttrs): ConvGeometry {
  const [O, Cw, kh, kw] = dims4(w, 'conv2dGradInput weight');
  assertShape([Cw], [a.inputShape[1]], 'conv2dGradInput weight channels');
  const s = convSizes(a.inputShape, kh, kw, a);
  assertShape(gradOut, [s.N, O, s.Ho, s.Wo], 'conv2dGradInput gradOut');
  assertShape(out, [s.N, s.C, s.H, s.W], 'conv2dGradInput output');
  return { ...s, O };
}

/** conv2dGradWeight inputs x, gradOut and its output (w's gradient, kernel a.kernelSize). */
export function conv2dGradWeightGeometry(x: Shape, gradOut: Shape, out: Shape, a: Conv2dGradWeightAttrs): ConvGeometry {
  const xd = dims4(x, 'conv2dGradWeight input');
  const [kh, kw] = a.kernelSize;
  const s = convSizes(xd, kh, kw, a);
  const O = dims4(gradOut, 'conv2dGradWeight gradOut')[1];
  assertShape(gradOut, [s.N, O, s.Ho, s.Wo], 'conv2dGradWeight gradOut');
  assertShape(out, [O, s.C, kh, kw], 'conv2dGradWeight output');
  return { ...s, O };
}

/** Sizes of a per-plane op over the last two axes: `planes` counts the leading-dim planes. */
export interface PlaneGeometry {
  planes: number;
  H: number;
  W: number;
}

export interface PoolGeometry extends PlaneGeometry {
  Ho: number;
  Wo: number;
}

/** x: [..., H, W] (any leading dims); checks the pooled tensor (output or gradOut) against [..., Ho, Wo]. */
export function poolGeometry(x: Shape, pooled: Shape, a: Pool2dAttrs, what: string): PoolGeometry {
  if (x.length < 2) throw new Error(`${what}: input needs at least 2 dims`);
  const lead = x.slice(0, -2);
  const H = x[x.length - 2];
  const W = x[x.length - 1];
  const Ho = poolOutSize(H, a.kernel[0], a.stride[0], a.padding[0]);
  const Wo = poolOutSize(W, a.kernel[1], a.stride[1], a.padding[1]);
  assertShape(pooled, [...lead, Ho, Wo], `${what} pooled`);
  return { planes: numel(lead), H, W, Ho, Wo };
}

/** H, W: the small side; oh, ow: the large side (a.size). */
export interface ResizeGeometry extends PlaneGeometry {
  oh: number;
  ow: number;
}

/**
 * small [..., inSize] is the forward input, large [..., a.size] the forward output. inSize is
 * passed in because the gradient only knows it from its attrs (its small side is its output).
 */
export function resizeGeometry(small: Shape, large: Shape, inSize: readonly number[], a: ResizeBilinearAttrs, what: string): ResizeGeometry {
  if (small.length < 2) throw new Error(`${what}: input needs at least 2 dims`);
  const lead = small.slice(0, -2);
  const [H, W] = inSize;
  const [oh, ow] = a.size;
  assertShape(small, [...lead, H, W], `${what} input side`);
  assertShape(large, [...lead, oh, ow], `${what} output side`);
  return { planes: numel(lead), H, W, oh, ow };
}

/** H, W: the full-resolution side; h, w: the half-resolution bands. */
export interface HaarGeometry extends PlaneGeometry {
  h: number;
  w: number;
}

/** haar2d: x [..., H, W] with H, W even; out [..., 4, H/2, W/2]. */
export function haar2dGeometry(x: Shape, out: Shape): HaarGeometry {
  if (x.length < 2) throw new Error('haar2d: input needs at least 2 dims');
  const lead = x.slice(0, -2);
  const H = x[x.length - 2];
  const W = x[x.length - 1];
  if (H % 2 !== 0 || W % 2 !== 0) throw new Error(`haar2d: H and W must be even, got ${H}x${W}`);
  const h = H / 2, w = W / 2;
  assertShape(out, [...lead, 4, h, w], 'haar2d output');
  return { planes: numel(lead), H, W, h, w };
}

/** ihaar2d: y [..., 4, h, w]; out [..., 2h, 2w]. */
export function ihaar2dGeometry(y: Shape, out: Shape): HaarGeometry {
  if (y.length < 3 || y[y.length - 3] !== 4) {
    throw new Error(`ihaar2d: input must be [..., 4, h, w], got [${y.join(', ')}]`);
  }
  const lead = y.slice(0, -3);
  const h = y[y.length - 2];
  const w = y[y.length - 1];
  const H = 2 * h, W = 2 * w;
  assertShape(out, [...lead, H, W], 'ihaar2d output');
  return { planes: numel(lead), H, W, h, w };
}
