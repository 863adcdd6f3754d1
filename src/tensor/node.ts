import type { Attrs, Shape } from '../backends/types.js';
import type { Tensor } from './tensor.js';

/** What an op's gradient function sees. */
export interface GradContext<A = Attrs> {
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  readonly attrs: A;
  /** Upstream gradients, one per output (zeros stand in for unused outputs). */
  readonly grads: readonly Tensor[];
  /** needsGrad[i]: whether input i wants a gradient; skip the work otherwise. */
  readonly needsGrad: readonly boolean[];
}

export interface OpDef<A = any> {
  readonly name: string;
  /** Number of inputs, or -1 for any number >= 1 (concat). Optional trailing inputs: see minInputs. */
  readonly inputs: number;
  readonly minInputs?: number;
  /** Validates inputs and attrs (throwing errors that name the op and shapes) and returns output shapes. */
  inferShapes(shapes: readonly Shape[], attrs: A): Shape[];
  /** Gradient written with registry ops only; absent for non-differentiable ops. */
  grad?(ctx: GradContext<A>): (Tensor | null)[];
  /** Output 0 shares the storage of input 0 (reshape): no kernel runs. */
  readonly view?: boolean;
  /** The kernel updates its inputs in place and has no outputs (optimizer steps). */
  readonly inPlace?: boolean;
}

/** A recorded application of an op, kept on its outputs for backward(). */
export interface Node {
  readonly id: number;
  readonly op: OpDef;
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  readonly attrs: Attrs;
}
