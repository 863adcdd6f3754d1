import type { Tensor } from './tensor.js';

// The stack of open scopes (see scope.ts). Apart from scope() so that tensor.ts can register new
// tensors without importing scope.ts, which needs the Tensor class at run time: no import cycle,
// which bundlers (Rollup) warn about.

export const scopeStack: Set<Tensor>[] = [];

export function trackTensor(t: Tensor): void {
  if (scopeStack.length) scopeStack[scopeStack.length - 1].add(t);
}

/** Excludes tensors from every enclosing scope: the caller now owns them. */
export function keep<T extends Tensor>(t: T): T {
  for (const s of scopeStack) s.delete(t);
  return t;
}
