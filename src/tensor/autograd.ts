import type { Node } from './node.js';
import { noGrad } from './engine.js';
import { keep, scope } from './scope.js';
import { sameShape, shapeStr } from './shape.js';
import { ones, Tensor, tensorLabel, viewOf, zeros } from './tensor.js';
import { add } from './ops/elementwise.js';

/** Every node reachable from root, found with an explicit stack (UNet graphs are deep). */
function collectNodes(root: Tensor): Node[] {
  const seen = new Map<number, Node>();
  const stack: Node[] = root.node ? [root.node] : [];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n.id)) continue;
    seen.set(n.id, n);
    for (const t of n.inputs) if (t.node && !seen.has(t.node.id)) stack.push(t.node);
  }
  // Node ids grow with creation, and an op's inputs exist before it runs, so descending id is
  // a reverse topological order that is also the same on every run.
  return [...seen.values()].sort((a, b) => b.id - a.id);
}

export interface BackwardOptions {
  /**
   * Keep the saved tensors of the graph, so that backward() can go through it again (torch's
   * retain_graph). By default each node lets go of them as soon as its gradient has run.
   */
  retainGraph?: boolean;
}

/**
 * Reverse-mode differentiation of root. Gradients of leaves (tensors with requiresGrad and no
 * producing op) are added to their `.grad`, which they own. Each graph node holds the tensors its
 * gradient reads, so this works after their handles were disposed (a tensor returned from a
 * scope); the graph gives them up here unless opts.retainGraph.
 */
export function backward(root: Tensor, gradient?: Tensor, opts: BackwardOptions = {}): void {
  if (!root.requiresGrad) throw new Error(`backward: ${tensorLabel(root)} does not require grad`);
  if (root.isDisposed) throw new Error(`backward: ${tensorLabel(root)} was disposed`);
  if (!gradient && root.size !== 1) throw new Error(`backward: output ${shapeStr(root.shape)} is not a scalar; pass its gradient`);
  if (gradient && !sameShape(gradient.shape, root.shape)) {
    throw new Error(`backward: gradient ${shapeStr(gradient.shape)} does not match output ${shapeStr(root.shape)}`);
  }
  const nodes = collectNodes(root);
  // Checked before any work, so a refused call changes no gradient.
  for (const n of nodes) {
    if (n.released) {
      throw new Error(
        n.consumed
          ? `backward: the graph through '${n.op.name}' (node #${n.id}) was already used by an earlier backward(), which freed its saved tensors; pass { retainGraph: true } to that call to go through a graph twice`
          : `backward: the graph through '${n.op.name}' (node #${n.id}) was released`,
      );
    }
  }
  const grads = new Map<Tensor, Tensor>();
  const leaves: Tensor[] = [];
  noGrad(() => {
    grads.set(root, gradient ? viewOf(gradient, gradient.shape) : ones(root.shape, { dtype: root.dtype, backend: root.backend }));
    for (const node of nodes) {
      const upstream = node.outputs.map((o) => grads.get(o));
      const some = upstream.find((g) => g !== undefined);
      if (!some) {
        if (!opts.retainGraph) node.consume();
        continue;
      }
      // the outputs themselves may be disposed: take the backend from a gradient that exists
      const gys = node.outputs.map((o, i) => upstream[i] ?? zeros(o.shape, { dtype: o.dtype, backend: some.backend }));
      node.outputs.forEach((o, i) => {
        grads.delete(o);
        if (o.retainsGrad && upstream[i] && !o.isDisposed) retain(o, upstream[i]!);
      });
      const needsGrad = node.inputs.map((t, i) => node.needsGrad[i] && t.requiresGrad);
      const results = scope(() =>
        node.op.grad!({ inputs: gradView(node, 'input'), outputs: gradView(node, 'output'), attrs: node.attrs, grads: gys, needsGrad }),
      );
      if (!opts.retainGraph) node.consume();
      // A gradient function may hand back an upstream gradient itself (add, reshape); give
      // such results their own handle so each gradient is disposed exactly once.
      const owned = new Set<Tensor>(gys);
      const gin = results.map((g) => {
        if (!g) return g;
        if (owned.has(g)) return viewOf(g, g.shape);
        owned.add(g);
        return g;
      });
      for (const g of gys) g.dispose();
      node.inputs.forEach((input, i) => accumulate(node, input, i, gin[i], needsGrad[i], grads, leaves));
    }
  });
  for (const leaf of leaves) {
    const g = grads.get(leaf)!;
    if (leaf.isDisposed) {
      // nobody can read it, and a disposed tensor would never free it
      g.dispose();
    } else if (leaf.grad) {
      const sum = noGrad(() => add(leaf.grad!, g));
      leaf.grad.dispose();
      g.dispose();
      leaf.grad = keep(sum);
    } else {
      leaf.grad = keep(g);
    }
  }
}

/**
 * The inputs or outputs of node as its gradient function sees them: new handles on the saved
 * storage (owned by the caller's scope), and value-less stand-ins for what the op does not save.
 */
function gradView(node: Node, kind: 'input' | 'output'): Tensor[] {
  const list = kind === 'input' ? node.inputs : node.outputs;
  return list.map((t, i) => {
    const saved = kind === 'input' ? node.savedInput(i) : node.savedOutput(i);
    if (saved) return new Tensor(t.shape, t.dtype, saved.retain());
    return new Tensor(t.shape, t.dtype, null, `is ${kind} ${i} of '${node.op.name}', which its saves() leaves out, so its gradient cannot read it`);
  });
}

function accumulate(node: Node, input: Tensor, i: number, g: Tensor | null | undefined, needed: boolean, grads: Map<Tensor, Tensor>, leaves: Tensor[]): void {
  if (!g) return;
  if (!needed) {
    g.dispose();
    return;
  }
  if (!sameShape(g.shape, input.shape)) {
    throw new Error(`${node.op.name}: gradient for input ${i} has shape ${shapeStr(g.shape)}, expected ${shapeStr(input.shape)}`);
  }
  const prev = grads.get(input);
  if (!prev) {
    grads.set(input, g);
    if (!input.node) leaves.push(input);
    return;
  }
  const sum = add(prev, g);
  prev.dispose();
  g.dispose();
  grads.set(input, sum);
}

/** Asks backward() to store the gradient of a non-leaf tensor in its `.grad` (torch's retain_grad). */
export function retainGrad(t: Tensor): Tensor {
  if (!t.requiresGrad) throw new Error(`retainGrad: ${tensorLabel(t)} does not require grad`);
  t.retainsGrad = true;
  return t;
}

function retain(t: Tensor, g: Tensor): void {
  const copy = viewOf(g, g.shape);
  if (t.grad) {
    const sum = add(t.grad, copy);
    t.grad.dispose();
    copy.dispose();
    t.grad = keep(sum);
  } else {
    t.grad = keep(copy);
  }
}

/** Disposes and clears the gradients of the given tensors. */
export function zeroGrad(params: Iterable<Tensor>): void {
  for (const p of params) {
    p.grad?.dispose();
    p.grad = null;
  }
}
