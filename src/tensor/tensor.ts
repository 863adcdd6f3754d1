import { allocTyped, type Backend, type BackendBuffer, type DType, type Shape, type TypedArray } from '../backends/types.js';
import { getBackend, getBackendPreference } from '../backends/registry.js';
import { registerRefBackend } from '../backends/ref/register.js';
import { checkShape, numel, shapeStr } from './shape.js';
import { trackTensor } from './scope-stack.js';
import { formatValues, nest, type NestedArray, type PrintOptions } from './format.js';
import type { Node } from './node.js';

// Every tensor lives on a backend; the reference one is always there (see register.ts for why a call).
registerRefBackend();

let nextStorageId = 1;
let nextTensorId = 1;
let liveHandles = 0;

/** Tensor handles not yet disposed (memory() reports it). */
export function liveTensorCount(): number {
  return liveHandles;
}

/** Memory on one backend, shared by every view of it and freed when the last view goes. */
export class Storage {
  readonly id = nextStorageId++;
  refs = 1;
  constructor(
    readonly backend: Backend,
    readonly buf: BackendBuffer,
  ) {}
  retain(): this {
    this.refs++;
    return this;
  }
  release(): void {
    if (--this.refs === 0) this.backend.free(this.buf);
  }
}

export class Tensor {
  readonly id = nextTensorId++;
  /** The op that produced this tensor while gradients were recorded. */
  node: Node | null = null;
  requiresGrad = false;
  /** Keep this non-leaf tensor's gradient in `.grad` during backward() (retainGrad()). */
  retainsGrad = false;
  /** Accumulated gradient of a leaf after backward(). Owned by the tensor, outside any scope. */
  grad: Tensor | null = null;
  private _storage: Storage | null;

  /**
   * A handle on `storage`, owned by the enclosing scope. With storage null the tensor has a
   * shape and dtype but no values, and reading them throws "tensor #id [shape] <absent>".
   */
  constructor(
    readonly shape: Shape,
    readonly dtype: DType,
    storage: Storage | null,
    private readonly absent = 'was disposed',
  ) {
    this._storage = storage;
    if (storage) {
      liveHandles++;
      trackTensor(this);
    }
  }

  get storage(): Storage {
    if (!this._storage) throw new Error(`tensor #${this.id} ${shapeStr(this.shape)} ${this.absent}`);
    return this._storage;
  }
  get isDisposed(): boolean {
    return this._storage === null;
  }
  get size(): number {
    return numel(this.shape);
  }
  get rank(): number {
    return this.shape.length;
  }
  get backend(): string {
    return this.storage.backend.name;
  }

  dispose(): void {
    if (!this._storage) return;
    this._storage.release();
    this._storage = null;
    liveHandles--;
    if (this.grad) {
      this.grad.dispose();
      this.grad = null;
    }
    // The node stays (backward from a live tensor downstream may still pass through it); it
    // lets go of its saved tensors once nothing can reach it.
    this.node?.outputDisposed();
  }
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** A copy of the values. The primary read: works on every backend. */
  data(): Promise<TypedArray> {
    const s = this.storage;
    return s.backend.read(s.buf);
  }
  /** A copy of the values, only on backends whose memory is directly readable. */
  dataSync(): TypedArray {
    const s = this.storage;
    if (!s.backend.readSync) throw new Error(`dataSync: backend '${s.backend.name}' is asynchronous; use await t.data()`);
    return s.backend.readSync(s.buf);
  }
  item(): number {
    if (this.size !== 1) throw new Error(`item: tensor has ${this.size} elements, shape ${shapeStr(this.shape)}`);
    return this.dataSync()[0];
  }
  /** The values as nested arrays (a number for a scalar), like tfjs's array() and torch's tolist(). */
  async array(): Promise<NestedArray> {
    return nest(await this.data(), this.shape);
  }
  /** array() for backends whose memory is directly readable. */
  arraySync(): NestedArray {
    return nest(this.dataSync(), this.shape);
  }

  /**
   * PyTorch-style text with the values, e.g.
   * `tensor([[1.0000, 2.0000], [3.0000, 4.0000]], shape=[2, 2], dtype=float32, backend=ref)`
   * (rows on separate lines); large tensors show only the edges of each axis. On a backend that
   * cannot be read synchronously the values are left out.
   */
  toString(opts: PrintOptions = {}): string {
    const head = 'tensor(';
    let body: string;
    const tail = [`shape=${shapeStr(this.shape)}`, `dtype=${this.dtype}`];
    const s = this._storage;
    if (!s) body = '<disposed>';
    else if (!s.backend.readSync) body = `<values on '${s.backend.name}': await t.array()>`;
    else body = formatValues(s.backend.readSync(s.buf), this.shape, head.length, opts);
    if (s) tail.push(`backend=${s.backend.name}`);
    if (this.node) tail.push(`gradFn=${this.node.op.name}`);
    else if (this.requiresGrad) tail.push('requiresGrad=true');
    return `${head}${body}, ${tail.join(', ')})`;
  }
  /** Logs toString() to the console. */
  print(opts: PrintOptions = {}): void {
    console.log(this.toString(opts));
  }
  // console.log(t) in Node and Deno shows the values too
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
  [Symbol.for('Deno.customInspect')](): string {
    return this.toString();
  }
}

/** A short name for messages: "tensor #12 [2, 3]". */
export function tensorLabel(t: Tensor): string {
  return `tensor #${t.id} ${shapeStr(t.shape)}`;
}

/** A new handle on the same storage: how views (reshape) and aliases are made. */
export function viewOf(t: Tensor, shape: Shape): Tensor {
  if (numel(shape) !== t.size) throw new Error(`view: ${shapeStr(t.shape)} cannot be viewed as ${shapeStr(shape)}`);
  return new Tensor([...shape], t.dtype, t.storage.retain());
}

export interface CreateOptions {
  dtype?: DType;
  backend?: string;
  requiresGrad?: boolean;
}

let defaultBackend = 'ref';
export function defaultBackendName(): string {
  return defaultBackend;
}
/** Where tensors made from host data live (ops then run where dispatch puts them). */
export function setDefaultBackend(name: string): void {
  getBackend(name);
  defaultBackend = name;
}

export function emptyOn(backend: Backend, shape: Shape, dtype: DType): Tensor {
  checkShape('tensor', shape);
  let buf;
  try {
    buf = backend.alloc(numel(shape), dtype);
  } catch (e) {
    // the backend's limit (WASM's 4 GiB, the gpu device's largest buffer) with the shape that met it
    throw new Error(`cannot hold a ${shapeStr(shape)} tensor on backend '${backend.name}': ${(e as Error)?.message ?? e}`, { cause: e });
  }
  return new Tensor([...shape], dtype, new Storage(backend, buf));
}

/**
 * Host data at most this long (a timestep per item, a scalar) is created on a synchronous (CPU)
 * backend when the default backend is asynchronous: the small ops on it then cost no GPU dispatch
 * and can be read without a round trip, and an op that meets a large GPU tensor uploads it there.
 * An explicit `backend` option (parameters pass one) always wins, and `requiresGrad` tensors stay
 * on the default backend.
 */
export const SMALL_HOST_ELEMENTS = 64;

function creationBackend(n: number, dtype: DType): Backend {
  const d = getBackend(defaultBackend);
  if (d.readSync || n > SMALL_HOST_ELEMENTS) return d;
  for (const name of getBackendPreference()) {
    const b = getBackend(name);
    if (b.readSync && b.dtypes.includes(dtype)) return b;
  }
  return d;
}

/** A tensor holding a copy of `values` (row-major). */
export function tensor(values: ArrayLike<number>, shape: Shape, opts: CreateOptions = {}): Tensor {
  checkShape('tensor', shape);
  const n = numel(shape);
  if (values.length !== n) throw new Error(`tensor: ${values.length} values do not fill shape ${shapeStr(shape)} (${n})`);
  const dtype = opts.dtype ?? (values instanceof Float64Array ? 'float64' : 'float32');
  // a tensor that requires grad is a parameter-like leaf: it lives where its updates run
  const backend = opts.backend !== undefined ? getBackend(opts.backend) : opts.requiresGrad ? getBackend(defaultBackend) : creationBackend(n, dtype);
  const t = emptyOn(backend, shape, dtype);
  backend.write(t.storage.buf, values);
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}

export function full(shape: Shape, value: number, opts: CreateOptions = {}): Tensor {
  const n = numel(shape);
  const dtype = opts.dtype ?? 'float32';
  const vals = allocTyped(dtype, n);
  vals.fill(value);
  return tensor(vals, shape, { ...opts, dtype });
}

export const zeros = (shape: Shape, opts: CreateOptions = {}) => full(shape, 0, opts);
export const ones = (shape: Shape, opts: CreateOptions = {}) => full(shape, 1, opts);
export const scalar = (value: number, opts: CreateOptions = {}) => full([], value, opts);
