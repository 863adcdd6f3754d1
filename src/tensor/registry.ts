import type { OpDef } from './node.js';

const ops = new Map<string, OpDef>();

/** Declares an op once; every backend implements it under the same name. */
export function defineOp<A>(def: OpDef<A>): OpDef<A> {
  if (ops.has(def.name)) throw new Error(`op '${def.name}' defined twice`);
  ops.set(def.name, def as OpDef);
  return def;
}

export function getOp(name: string): OpDef {
  const op = ops.get(name);
  if (!op) throw new Error(`unknown op '${name}'`);
  return op;
}

export function listOps(): string[] {
  return [...ops.keys()].sort();
}
