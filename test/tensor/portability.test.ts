import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The package must load in browsers and Deno: nothing reachable through imports (static or
// dynamic) from the public entry points may use a Node built-in once package.json "imports"
// are resolved as a browser bundler resolves them. The engine entry must also load in a page
// without a bundler: no third-party (bare) imports there.
const NODE_BUILTINS = /^(node:|fs$|path$|os$|url$|crypto$|worker_threads$|child_process$|stream$|util$|buffer$|process$)/;
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { imports: Record<string, Record<string, string>> };

function imports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const specs: string[] = [];
  for (const m of src.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]/gms)) specs.push(m[1]);
  for (const m of src.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) specs.push(m[1]);
  for (const m of src.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1]);
  return specs;
}

/** A package.json "imports" target as a browser bundler picks it, mapped from dist/*.js back to src/*.ts. */
function browserTarget(spec: string): string {
  const entry = pkg.imports[spec];
  if (!entry) throw new Error(`${spec}: not in package.json "imports"`);
  const key = Object.keys(entry).find((k) => k === 'browser' || k === 'import' || k === 'default');
  return resolve(entry[key!].replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts'));
}

function walk(entry: string): { files: Set<string>; specs: { file: string; spec: string }[] } {
  const files = new Set<string>();
  const specs: { file: string; spec: string }[] = [];
  const stack = [resolve(entry)];
  while (stack.length) {
    const file = stack.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const spec of imports(file)) {
      specs.push({ file, spec });
      if (spec.startsWith('.')) stack.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else if (spec.startsWith('#')) stack.push(browserTarget(spec));
    }
  }
  return { files, specs };
}

describe('portability', () => {
  it('no entry point reaches a Node built-in on the browser path', () => {
    for (const entry of ['src/index.ts', 'src/engine.ts', 'src/api/resshift-worker.ts']) {
      const { files, specs } = walk(entry);
      expect(files.size).toBeGreaterThan(30);
      expect(specs.filter(({ spec }) => NODE_BUILTINS.test(spec)).map(({ file, spec }) => `${file}: ${spec}`)).toEqual([]);
      expect([...files].filter((f) => /-node\.ts$|\/cli\/|\/node\//.test(f))).toEqual([]);
    }
  });

  it('the engine entry has no third-party imports, so a page loads it without a bundler', () => {
    const { specs } = walk('src/engine.ts');
    expect(specs.filter(({ spec }) => !spec.startsWith('.') && !spec.startsWith('#')).map(({ file, spec }) => `${file}: ${spec}`)).toEqual([]);
  });

  it('every runtime-specific module has the same exports in its Node and browser variants', () => {
    const exported = (file: string) => [...readFileSync(file, 'utf8').matchAll(/^export (?:async )?(?:function|const|class) (\w+)/gm)].map((m) => m[1]).sort();
    for (const [spec, entry] of Object.entries(pkg.imports)) {
      const variants = new Set(Object.values(entry));
      expect(variants.size, spec).toBe(2);
      const [a, b] = [...variants].map((t) => resolve(t.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts')));
      expect(exported(a), spec).toEqual(exported(b));
      // Node and Deno take the Node variant; browser bundlers and anything else the other one
      expect(entry.node).toBe(entry.deno);
      expect(entry.browser).toBe(entry.default);
      expect(Object.keys(entry)[0]).toBe('browser');
    }
  });
});
