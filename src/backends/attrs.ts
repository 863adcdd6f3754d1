// Attribute shapes of the "fat" ops, shared by the op definitions (src/tensor/ops) and every
// backend's kernels. Pairs are [height, width].

export type Pair = readonly [number, number];

export interface Conv2dAttrs {
  stride: Pair;
  padding: Pair;
  /** conv2d only: max(y, 0) applied to the output (bias included), as relu(conv2d(...)) in one pass. */
  relu?: boolean;
}
export interface Conv2dGradInputAttrs extends Conv2dAttrs {
  inputShape: readonly [number, number, number, number]; // [N, C, H, W]
}
export interface Conv2dGradWeightAttrs extends Conv2dAttrs {
  kernelSize: Pair;
}

export interface Pool2dAttrs {
  kernel: Pair;
  stride: Pair;
  padding: Pair;
}
export interface AvgPool2dAttrs extends Pool2dAttrs {
  /** PyTorch's count_include_pad: zero padding counts in the divisor. */
  countIncludePad: boolean;
}
export interface AvgPool2dGradAttrs extends AvgPool2dAttrs {
  inputShape: readonly number[];
}

export interface ResizeBilinearAttrs {
  size: Pair; // output [H, W]
  alignCorners: boolean;
  /**
   * Source-per-destination ratio used for coordinates when alignCorners is false, as PyTorch
   * does when a scale factor is given (1 / scale_factor). null means input/output size.
   */
  ratio: readonly [number | null, number | null];
}
export interface ResizeBilinearGradAttrs extends ResizeBilinearAttrs {
  inputSize: Pair;
}

export interface AdamAttrs {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** 1-based step count after this update. */
  step: number;
}

/** x^n for integer n >= 0 by repeated squaring: the same double on every JS engine (unlike **). */
export function powInt(x: number, n: number): number {
  let r = 1;
  let b = x;
  for (let e = n; e > 0; e = Math.floor(e / 2)) {
    if (e % 2) r *= b;
    b *= b;
  }
  return r;
}

/** Adam's per-step scalars, computed once in doubles so every backend uses the same values. */
export function adamCoefficients(a: AdamAttrs): { stepSize: number; bc2Sqrt: number } {
  return { stepSize: a.lr / (1 - powInt(a.beta1, a.step)), bc2Sqrt: Math.sqrt(1 - powInt(a.beta2, a.step)) };
}
