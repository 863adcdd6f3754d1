import type { Attrs, Backend, DType } from '../backends/types.js';
import { chooseBackend, getBackend, getBackendPreference, getKernel, setBackendPreference, unregisterBackend } from '../backends/registry.js';
import { Node, type OpDef } from './node.js';
import { defaultBackendName, emptyOn, setDefaultBackend, Tensor, viewOf } from './tensor.js';

let gradEnabled = true;
let nextNodeId = 1;
let transfers = 0;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn without recording the graph (sampling, metrics, optimizer steps). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Number of tensor copies between backends so far (tests watch it to catch ping-pong). */
export function transferCount(): number {
  return transfers;
}

/** Selects the backends ops prefer, in order, and where new tensors are created. */
export function setBackend(...names: string[]): void {
  setBackendPreference(names.includes('ref') ? names : [...names, 'ref']);
  setDefaultBackend(names[0]);
}

/**
 * Releases a backend's device (a GPU context, worker threads): it leaves the registry and the
 * preference, so later ops run on the remaining backends; tensors still on it can only be
 * disposed. The default backend falls back to the first one still preferred.
 */
export async function releaseBackend(name: string): Promise<void> {
  const b = unregisterBackend(name);
  if (defaultBackendName() === name) setDefaultBackend(getBackendPreference()[0]);
  await b.dispose?.();
}

/**
 * An explicit, counted copy of t onto another backend, for tensors on a backend that reads
 * synchronously (CPU memory). From an asynchronous backend (GPU) use toBackendAsync.
 */
export function toBackend(t: Tensor, name: string): Tensor {
  return copyTo(t, getBackend(name));
}

/** An explicit, counted copy of t onto another backend, from any backend: awaits the read. */
export async function toBackendAsync(t: Tensor, name: string): Promise<Tensor> {
  const backend = getBackend(name);
  const src = t.storage.retain(); // t may be disposed while the read is in flight
  try {
    const data = src.backend.readSync ? src.backend.readSync(src.buf) : await src.backend.read(src.buf);
    const out = emptyOn(backend, t.shape, t.dtype);
    backend.write(out.storage.buf, data);
    transfers++;
    return out;
  } finally {
    src.release();
  }
}

function copyTo(t: Tensor, backend: Backend): Tensor {
  const src = t.storage;
  if (!src.backend.readSync) {
    throw new Error(`toBackend: ${t} lives on '${src.backend.name}', which reads asynchronously; use await toBackendAsync(t, '${backend.name}')`);
  }
  const out = emptyOn(backend, t.shape, t.dtype);
  backend.write(out.storage.buf, src.backend.readSync(src.buf));
  transfers++;
  return out;
}

/**
 * Where an op runs. Data stays where it is: an input on an asynchronous backend (GPU) pins the
 * op there, since nothing can leave such a backend without an awaited read; otherwise the op runs
 * where its largest input lives. Small inputs elsewhere are uploaded (cheap: CPU to GPU is a
 * write), never downloaded. Without a kernel there, the preferred backend that has one.
 */
function placeOp(op: OpDef, inputs: readonly Tensor[], dtype: DType): Backend {
  let home: Backend | null = null;
  let most = -1;
  for (const t of inputs) {
    const b = t.storage.backend;
    if (!b.readSync) {
      if (b.dtypes.includes(dtype) && getKernel(b.name, op.name)) return b;
      throw new Error(`${op.name}: an input lives on '${b.name}', which has no ${op.name} kernel for ${dtype} and reads asynchronously; move it with await toBackendAsync()`);
    }
    if (t.size > most) {
      most = t.size;
      home = b;
    }
  }
  if (home && home.dtypes.includes(dtype) && getKernel(home.name, op.name)) return home;
  return chooseBackend(op.name, dtype);
}

export function runOp(op: OpDef, inputs: readonly Tensor[], attrsIn: object = {}): Tensor[] {
  const attrs = attrsIn as Attrs;
  const n = inputs.length;
  if (op.inputs >= 0 ? n > op.inputs || n < (op.minInputs ?? op.inputs) : n < 1) {
    throw new Error(`${op.name}: expected ${op.inputs >= 0 ? op.inputs : 'at least 1'} inputs, got ${n}`);
  }
  const dtype = inputs[0].dtype;
  for (const t of inputs) {
    if (t.dtype !== dtype) throw new Error(`${op.name}: mixed dtypes ${inputs.map((x) => x.dtype).join(', ')}`);
  }
  const outShapes = op.inferShapes(
    inputs.map((t) => {
      void t.storage; // throws a clear error for a disposed input before anything runs
      return t.shape;
    }),
    attrs,
  );
  let outputs: Tensor[];
  if (op.view) {
    outputs = [viewOf(inputs[0], outShapes[0])];
  } else {
    const backend = placeOp(op, inputs, dtype);
    const kernel = getKernel(backend.name, op.name)!;
    const moved: Tensor[] = [];
    const made: Tensor[] = [];
    let local: Tensor[];
    try {
      local = inputs.map((t) => {
        if (t.storage.backend === backend) return t;
        const c = copyTo(t, backend);
        moved.push(c);
        return c;
      });
      for (const s of outShapes) made.push(emptyOn(backend, s, dtype));
    } catch (e) {
      // a tensor the backend cannot hold (too large for it): named with the op, nothing left behind
      for (const t of [...moved, ...made]) t.dispose();
      throw new Error(`${op.name}: ${(e as Error)?.message ?? e}`, { cause: e });
    }
    if (op.inPlace && moved.length) {
      for (const t of [...moved, ...made]) t.dispose();
      throw new Error(`${op.name}: in-place op needs all inputs on one backend, got ${inputs.map((t) => t.backend).join(', ')}`);
    }
    outputs = made;
    try {
      kernel(
        local.map((t) => ({ buf: t.storage.buf, shape: t.shape, dtype })),
        outputs.map((t) => ({ buf: t.storage.buf, shape: t.shape, dtype })),
        attrs,
      );
    } catch (e) {
      for (const t of outputs) t.dispose();
      throw e;
    } finally {
      for (const c of moved) c.dispose();
    }
  }
  if (gradEnabled && op.grad && inputs.some((t) => t.requiresGrad)) {
    const node = new Node(nextNodeId++, op, [...inputs], outputs, attrs, inputs.map((t) => t.requiresGrad));
    for (const o of outputs) {
      o.node = node;
      o.requiresGrad = true;
    }
  }
  return outputs;
}
