import { allocTyped } from '../backends/types.js';
import { defaultBackendName, keep, noGrad, tensor, type DType, type Tensor } from '../tensor/index.js';
import { shapeStr, sameShape } from '../tensor/shape.js';

/** Raw values of a named tensor, as held in a checkpoint. */
export interface NamedArray {
  shape: readonly number[];
  data: ArrayLike<number>;
}

/**
 * A tree of named parameters and buffers, named and ordered as PyTorch's state_dict: a module's
 * own parameters, then its own buffers, then each child in registration order.
 */
export class Module {
  private readonly ownParams = new Map<string, Tensor>();
  private readonly ownBuffers = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  protected param(name: string, t: Tensor): Tensor {
    t.requiresGrad = true;
    this.ownParams.set(name, keep(t));
    return t;
  }
  protected buffer(name: string, t: Tensor): Tensor {
    this.ownBuffers.set(name, keep(t));
    return t;
  }
  protected child<M extends Module>(name: string, m: M): M {
    this.children.set(name, m);
    return m;
  }

  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, t] of this.ownParams) out.push([prefix + n, t]);
    for (const [n, c] of this.children) out.push(...c.namedParameters(`${prefix}${n}.`));
    return out;
  }
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }
  /** Parameters and buffers in PyTorch's state_dict order. */
  stateDict(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, t] of this.ownParams) out.push([prefix + n, t]);
    for (const [n, t] of this.ownBuffers) out.push([prefix + n, t]);
    for (const [n, c] of this.children) out.push(...c.stateDict(`${prefix}${n}.`));
    return out;
  }
  isBuffer(name: string): boolean {
    const dot = name.indexOf('.');
    if (dot < 0) return this.ownBuffers.has(name);
    const c = this.children.get(name.slice(0, dot));
    return c ? c.isBuffer(name.slice(dot + 1)) : false;
  }

  /**
   * Copies values into every parameter and buffer (strict, as load_state_dict(strict=True)):
   * missing, unexpected and wrongly shaped entries are all named in one error.
   */
  loadStateDict(values: ReadonlyMap<string, NamedArray>): void {
    const own = new Map(this.stateDict());
    const missing = [...own.keys()].filter((k) => !values.has(k));
    const unexpected = [...values.keys()].filter((k) => !own.has(k));
    const wrong = [...own].filter(([k, t]) => values.has(k) && !sameShape(values.get(k)!.shape, t.shape)).map(([k, t]) => `${k} ${shapeStr(values.get(k)!.shape)} (model ${shapeStr(t.shape)})`);
    const problems = [
      missing.length && `missing ${list(missing)}`,
      unexpected.length && `unexpected ${list(unexpected)}`,
      wrong.length && `wrong shape ${list(wrong)}`,
    ].filter(Boolean);
    if (problems.length) throw new Error(`state dict does not fit the model: ${problems.join('; ')}`);
    for (const [k, t] of own) {
      const v = values.get(k)!;
      if (v.data.length !== t.size) throw new Error(`state dict: ${k} holds ${v.data.length} values for shape ${shapeStr(t.shape)}`);
      for (let i = 0; i < v.data.length; i++) {
        if (!Number.isFinite(v.data[i])) throw new Error(`state dict: ${k} contains a non-finite value at ${i}`);
      }
    }
    // checked on the host values, before anything is written: the model is unchanged on failure,
    // and no device (an asynchronous GPU) is read back
    this.checkLoaded(values, '');
    for (const [k, t] of own) {
      const s = t.storage;
      s.backend.write(s.buf, values.get(k)!.data);
    }
  }
  /** Hook for modules whose buffers must hold fixed values: throws when `values` (full names) break them. */
  protected checkLoaded(values: ReadonlyMap<string, NamedArray>, prefix: string): void {
    for (const [n, c] of this.children) c.checkLoaded(values, `${prefix}${n}.`);
  }

  dispose(): void {
    for (const t of this.ownParams.values()) t.dispose();
    for (const t of this.ownBuffers.values()) t.dispose();
    for (const c of this.children.values()) c.dispose();
  }
}

function list(names: string[]): string {
  return names.length > 6 ? `${names.slice(0, 6).join(', ')} and ${names.length - 6} more` : names.join(', ');
}

/** Uniform values in [-bound, bound) from a draw function, as a parameter tensor. */
export function uniformParam(shape: number[], bound: number, draw: (out: Float32Array | Float64Array, lo: number, hi: number) => void, dtype: DType, backend?: string): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = allocTyped(dtype, n);
  draw(v, -bound, bound);
  // parameters live on the default backend whatever their size (a bias of 3 is still updated there)
  return noGrad(() => tensor(v, shape, { dtype, backend: backend ?? defaultBackendName() }));
}
