import { add, backward, mul, sum, tensor, zeros, type Tensor } from '../tensor/index.js';
import { trackTensor } from '../tensor/scope.js';
import { shapeStr } from '../tensor/shape.js';
import { UnsupportedCase, type HostTensor } from './types.js';

/**
 * What a handler may read of a case: its op, its arguments and its GIVEN tensors (the expected
 * ones are not in here, so they cannot leak into a computation).
 */
export class CaseContext {
  /**
   * @param maxElements the most elements an output sized by the arguments may have (see
   *   outputBudget): the arguments are metadata, and a few bytes of them can ask for gigabytes.
   */
  constructor(
    readonly op: string,
    readonly args: Readonly<Record<string, unknown>>,
    private readonly given: ReadonlyMap<string, HostTensor>,
    readonly backend: string,
    readonly maxElements = Infinity,
  ) {}

  /**
   * Throws before an output whose size the arguments decide is built, when it would hold more
   * than maxElements elements.
   */
  checkSize(what: string, shape: readonly number[]): void {
    const n = shape.reduce((a, d) => a * Math.max(d, 0), 1);
    if (!(n <= this.maxElements)) throw new Error(`${what} [${shape.join(', ')}] would hold ${n} elements, more than the ${this.maxElements} this case file can check`);
  }

  has(name: string): boolean {
    return this.given.has(name);
  }

  /** Names of the given tensors. */
  names(): string[] {
    return [...this.given.keys()];
  }

  host(name: string): HostTensor {
    const t = this.given.get(name);
    if (!t) throw new Error(`case has no given tensor '${name}'`);
    return t;
  }

  /** A given tensor on the run's backend; a gradient leaf when asked. */
  input(name: string, requiresGrad = false): Tensor {
    const h = this.host(name);
    return tensor(h.data, h.shape, { backend: this.backend, requiresGrad });
  }

  unsupported(reason: string): never {
    throw new UnsupportedCase(reason);
  }

  /** Arguments outside `known` may change the op's meaning: refuse rather than guess. */
  onlyArgs(known: readonly string[]): void {
    for (const k of Object.keys(this.args)) if (!known.includes(k)) this.unsupported(`unknown argument '${k}'`);
  }

  arg(key: string): unknown {
    return this.args[key];
  }

  num(key: string, dflt?: number): number {
    const v = this.args[key] ?? dflt;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`argument '${key}' must be a number, got ${JSON.stringify(v)}`);
    return v;
  }

  int(key: string, dflt?: number): number {
    const v = this.num(key, dflt);
    if (!Number.isInteger(v)) throw new Error(`argument '${key}' must be an integer, got ${v}`);
    return v;
  }

  bool(key: string, dflt?: boolean): boolean {
    const v = this.args[key] ?? dflt;
    if (typeof v !== 'boolean') throw new Error(`argument '${key}' must be a boolean, got ${JSON.stringify(v)}`);
    return v;
  }

  str(key: string, dflt?: string): string {
    const v = this.args[key] ?? dflt;
    if (typeof v !== 'string') throw new Error(`argument '${key}' must be a string, got ${JSON.stringify(v)}`);
    return v;
  }

  /** An int or [h, w] argument (PyTorch's _pair). */
  pair(key: string, dflt?: number | readonly [number, number]): [number, number] {
    const v = this.args[key] ?? dflt;
    const p = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 1 ? [v[0], v[0]] : v;
    if (!Array.isArray(p) || p.length !== 2 || p.some((x) => typeof x !== 'number' || !Number.isInteger(x))) {
      throw new Error(`argument '${key}' must be an integer or a pair of integers, got ${JSON.stringify(v)}`);
    }
    return [p[0], p[1]];
  }

  numList(key: string, dflt?: readonly number[]): number[] {
    const v = this.args[key] ?? dflt;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
      throw new Error(`argument '${key}' must be a list of numbers, got ${JSON.stringify(v)}`);
    }
    return [...v];
  }

  /** Unsupported unless the argument is absent, null, or accepted by `ok` (e.g. dilation 1). */
  requireDefault(key: string, ok: (v: unknown) => boolean, what: string): void {
    const v = this.args[key];
    if (v !== undefined && v !== null && !ok(v)) this.unsupported(`${key}=${JSON.stringify(v)} (only ${what} is implemented)`);
  }
}

/**
 * The element budget of a case: each computed output is compared with an expected tensor of the
 * same shape in the file, so no output of an honest case holds more elements than the file's
 * tensors together. Small cases get 2^20 so that an argument-only case (eta_schedule) still runs.
 */
export function outputBudget(tensors: ReadonlyMap<string, HostTensor>): number {
  let n = 0;
  for (const t of tensors.values()) n += t.data.length;
  return Math.max(n, 2 ** 20);
}

/** floor((n + 2 pad - k) / stride) + 1: a convolution's or pooling's output length. */
export function windowOutput(n: number, k: number, stride: number, pad: number): number {
  return Math.floor((n + 2 * pad - k) / stride) + 1;
}

/**
 * Vector-Jacobian product of several outputs at once: backward of sum_i sum(out_i * g_i). The
 * gradient reaching each out_i is exactly g_i (1 * g), so this equals separate VJPs summed.
 */
export function backwardWith(pairs: readonly (readonly [Tensor, Tensor])[]): void {
  for (const [o, g] of pairs) {
    if (o.shape.length !== g.shape.length || o.shape.some((d, i) => d !== g.shape[i])) {
      throw new Error(`grad_output ${shapeStr(g.shape)} does not match output ${shapeStr(o.shape)}`);
    }
  }
  if (pairs.length === 1) return backward(pairs[0][0], pairs[0][1]);
  let total: Tensor | null = null;
  for (const [o, g] of pairs) {
    const s = sum(mul(o, g));
    total = total ? add(total, s) : s;
  }
  backward(total!);
}

/** The input, weight and optional bias of a layer op (conv2d, linear), as gradient leaves. */
export interface LayerLeaves {
  x: Tensor;
  w: Tensor;
  b: Tensor | null;
}

/** args.bias decides whether there is a bias when present; otherwise whether the case gives one. */
export function layerLeaves(ctx: CaseContext): LayerLeaves {
  const hasBias = ctx.arg('bias') === undefined ? ctx.has('bias') : ctx.bool('bias');
  const x = ctx.input('input', true);
  const w = ctx.input('weight', true);
  const b = hasBias ? ctx.input('bias', true) : null;
  return { x, w, b };
}

/** A layer op's output and, after the case's VJP, the gradients of its leaves, as the golden files name them. */
export function layerResults(ctx: CaseContext, y: Tensor, { x, w, b }: LayerLeaves): Map<string, Tensor> {
  backwardWith([[y, ctx.input('grad_output')]]);
  const out = new Map([
    ['output', y],
    ['grad.input', takeGrad(x)],
    ['grad.weight', takeGrad(w)],
  ]);
  if (b) out.set('grad.bias', takeGrad(b));
  return out;
}

/**
 * The gradient of a leaf, detached from it: a leaf frees its gradient when it is disposed at the
 * end of the handler's scope. Zeros when nothing reached it.
 */
export function takeGrad(x: Tensor): Tensor {
  const g = x.grad;
  if (!g) return zeros(x.shape, { dtype: x.dtype, backend: x.backend });
  x.grad = null;
  // back under the handler's scope, so an error later in the handler still frees it
  trackTensor(g);
  return g;
}
