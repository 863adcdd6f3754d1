import type { Attrs, Shape } from '../backends/types.js';
import type { Storage, Tensor } from './tensor.js';

/** What an op's gradient function sees. */
export interface GradContext<A = Attrs> {
  /**
   * The op's inputs. Those the op saves (OpDef.saves) hold their values; the others carry only
   * shape and dtype, and reading their values throws.
   */
  readonly inputs: readonly Tensor[];
  /** The op's outputs, on the same terms as inputs. */
  readonly outputs: readonly Tensor[];
  readonly attrs: A;
  /** Upstream gradients, one per output (zeros stand in for unused outputs). */
  readonly grads: readonly Tensor[];
  /** needsGrad[i]: whether input i wants a gradient; skip the work otherwise. */
  readonly needsGrad: readonly boolean[];
}

/** Indices of the inputs and outputs whose values a gradient function reads. */
export interface Saves {
  readonly inputs?: readonly number[];
  readonly outputs?: readonly number[];
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
  /**
   * The tensors grad reads values of (shapes are always available), given which inputs need a
   * gradient and the attrs. The graph node keeps exactly these alive until backward() has used it
   * or nothing can reach it any more. Absent: every input and output is kept.
   */
  saves?(needsGrad: readonly boolean[], attrs: A): Saves;
  /** Output 0 shares the storage of input 0 (reshape): no kernel runs. */
  readonly view?: boolean;
  /** The kernel updates its inputs in place and has no outputs (optimizer steps). */
  readonly inPlace?: boolean;
  /**
   * A fast path: the op's function runs this composition of other ops (named here) where the
   * input's backend has no kernel for the op, so a complete backend need not implement it.
   */
  readonly decomposition?: string;
}

/** saves() of a two-input product (mul, matmul, conv2d): each input's gradient reads the other. */
export function crossSaves(needsGrad: readonly boolean[]): Saves {
  const inputs: number[] = [];
  if (needsGrad[1]) inputs.push(0);
  if (needsGrad[0]) inputs.push(1);
  return { inputs };
}

let liveNodes = 0;
/** Graph nodes still holding saved tensors (memory() reports it; 0 when no graph is alive). */
export function liveNodeCount(): number {
  return liveNodes;
}

/**
 * A recorded application of an op, kept on its outputs for backward(). It holds a storage
 * reference for each tensor its gradient reads, so backward() works after those tensors'
 * handles were disposed (a scope's intermediates). The references go when backward() has used
 * the node, or when nothing can reach the node any more: none of its outputs is alive and no
 * live node downstream consumes them.
 */
export class Node {
  /** Live output handles plus input slots of live downstream nodes that refer to an output. */
  private reach: number;
  private saved: { inputs: (Storage | null)[]; outputs: (Storage | null)[] } | null;
  /** Set once backward() ran this node without retainGraph: its saved tensors are gone. */
  consumed = false;

  constructor(
    readonly id: number,
    readonly op: OpDef,
    readonly inputs: readonly Tensor[],
    readonly outputs: readonly Tensor[],
    readonly attrs: Attrs,
    /** Which inputs required a gradient when the op ran; saves were chosen for these. */
    readonly needsGrad: readonly boolean[],
  ) {
    const spec = op.saves?.(needsGrad, attrs);
    const keepIn = (i: number) => (spec ? (spec.inputs ?? []).includes(i) : true);
    const keepOut = (i: number) => (spec ? (spec.outputs ?? []).includes(i) : true);
    this.saved = {
      inputs: inputs.map((t, i) => (keepIn(i) ? t.storage.retain() : null)),
      outputs: outputs.map((t, i) => (keepOut(i) ? t.storage.retain() : null)),
    };
    this.reach = outputs.length;
    for (const t of inputs) if (t.node) t.node.reach++;
    liveNodes++;
  }

  /** The saved storage of input i, or null when the gradient does not read it. */
  savedInput(i: number): Storage | null {
    return this.saved?.inputs[i] ?? null;
  }
  savedOutput(i: number): Storage | null {
    return this.saved?.outputs[i] ?? null;
  }
  get released(): boolean {
    return this.saved === null;
  }

  /** Drops the saved tensors; backward() calls it once the gradient function has run. */
  consume(): void {
    this.consumed = true;
    this.release();
  }

  /** One of this node's output handles was disposed. */
  outputDisposed(): void {
    // Unreachable nodes release their inputs' nodes in turn; a worklist, since graphs are deep.
    const work: Node[] = [this];
    while (work.length) {
      const n = work.pop()!;
      if (--n.reach > 0) continue;
      n.release();
      for (const t of n.inputs) if (t.node) work.push(t.node);
    }
  }

  private release(): void {
    if (!this.saved) return;
    for (const s of this.saved.inputs) s?.release();
    for (const s of this.saved.outputs) s?.release();
    this.saved = null;
    liveNodes--;
  }
}
