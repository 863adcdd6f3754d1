import { scopeStack as stack, trackTensor } from './scope-stack.js';
import { Tensor } from './tensor.js';

export { keep, trackTensor } from './scope-stack.js';

// Scopes give deterministic release of backend memory (WASM heaps and GPU textures are
// invisible to the garbage collector): everything created inside is disposed at the end,
// except what the function returns or what was passed to keep().

function collect(value: unknown, out: Set<Tensor>, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 4) return;
  if (value instanceof Tensor) {
    out.add(value);
    return;
  }
  if (Array.isArray(value)) for (const v of value) collect(v, out, depth + 1);
  else if (value instanceof Map) for (const v of value.values()) collect(v, out, depth + 1);
  else if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) collect(v, out, depth + 1);
}

/**
 * Runs fn; disposes every tensor it created except those reachable from its result (tensors,
 * arrays, maps and plain objects of them), which move to the enclosing scope.
 */
export function scope<T>(fn: () => T): T {
  const mine = new Set<Tensor>();
  stack.push(mine);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    stack.pop();
    for (const t of mine) t.dispose();
    throw e;
  }
  stack.pop();
  if (result instanceof Promise) throw new Error('scope: fn must be synchronous; await outside the scope');
  const escaping = new Set<Tensor>();
  collect(result, escaping);
  for (const t of mine) {
    if (escaping.has(t)) {
      trackTensor(t);
      continue;
    }
    // a returned gradient outlives the (disposed) tensor it belonged to
    if (t.grad && escaping.has(t.grad)) {
      trackTensor(t.grad);
      t.grad = null;
    }
    t.dispose();
  }
  return result;
}
