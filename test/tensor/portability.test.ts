import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The engine must load in browsers and Deno: nothing reachable through static imports from the
// public entry point may use a Node built-in. (Node-only modules are loaded lazily, by dynamic
// import, where they are needed.)
const NODE_BUILTINS = /^(node:|fs$|path$|os$|url$|crypto$|worker_threads$|child_process$|stream$|util$|buffer$|process$)/;

function staticImports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const specs: string[] = [];
  for (const m of src.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]/gms)) specs.push(m[1]);
  for (const m of src.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) specs.push(m[1]);
  return specs;
}

describe('portability', () => {
  it('the public entry point reaches no Node built-in through static imports', () => {
    const seen = new Set<string>();
    const offenders: string[] = [];
    const stack = [resolve('src/index.ts')];
    while (stack.length) {
      const file = stack.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const spec of staticImports(file)) {
        if (NODE_BUILTINS.test(spec)) offenders.push(`${file}: ${spec}`);
        else if (spec.startsWith('.')) stack.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      }
    }
    expect(seen.size).toBeGreaterThan(30);
    expect(offenders).toEqual([]);
  });
});
