import type { Attrs, Backend, DType } from '../backends/types.js';
import { chooseBackend, getBackend, getKernel, setBackendPreference } from '../backends/registry.js';
import { Node, type OpDef } from './node.js';
import { emptyOn, setDefaultBackend, Tensor, viewOf } from './tensor.js';

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

/** An explicit, counted copy of t onto another backend. */
export function toBackend(t: Tensor, name: string): Tensor {
  return copyTo(t, getBackend(name));
}

function copyTo(t: Tensor, backend: Backend): Tensor {
  const src = t.storage;
  if (!src.backend.readSync) throw new Error(`toBackend: reading from '${src.backend.name}' is asynchronous; await t.data() first`);
  const out = emptyOn(backend, t.shape, t.dtype);
  backend.write(out.storage.buf, src.backend.readSync(src.buf));
  transfers++;
  return out;
}

// An op runs where its largest input lives when that backend can run it, so data stays put;
// otherwise on the preferred backend.
function placeOp(op: OpDef, inputs: readonly Tensor[], dtype: DType): Backend {
  let home: Backend | null = null;
  let most = -1;
  for (const t of inputs) {
    if (t.size > most) {
      most = t.size;
      home = t.storage.backend;
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
    const local = inputs.map((t) => {
      if (t.storage.backend === backend) return t;
      const c = copyTo(t, backend);
      moved.push(c);
      return c;
    });
    if (op.inPlace && moved.length) {
      for (const c of moved) c.dispose();
      throw new Error(`${op.name}: in-place op needs all inputs on one backend, got ${inputs.map((t) => t.backend).join(', ')}`);
    }
    outputs = outShapes.map((s) => emptyOn(backend, s, dtype));
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
