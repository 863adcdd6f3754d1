import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { backward, conv2d, randNormal, Rng, scope, setBackend, sum } from '../../src/index.js';

// The same computation in Deno (from the built package) and in Node must agree bit for bit on
// the reference backend, and the WASM backend must run there too.
const deno = 'node_modules/.bin/deno';
const ready = existsSync(deno) && existsSync('dist/index.js');

describe.skipIf(!ready)('Deno (needs npm run build and the deno dev dependency)', () => {
  it('runs the engine and the WASM backend with the same results as Node', () => {
    const out = execFileSync(deno, ['run', '--allow-read', '--no-prompt', 'test/portability/deno-smoke.mjs'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' } });
    const { ref, wasm } = JSON.parse(out.trim().split('\n').pop()!);
    setBackend('ref');
    const node = scope(() => {
      const x = randNormal([2, 3, 12, 12], new Rng(1));
      const w = randNormal([4, 3, 3, 3], new Rng(2));
      w.requiresGrad = true;
      backward(sum(conv2d(x, w, null, { padding: 1 })));
      return Array.from(w.grad!.dataSync());
    });
    expect(ref).toEqual(node);
    // wasm accumulates in float32 blocks, ref in float64: sums of 2*144 products of N(0,1) terms
    for (let i = 0; i < node.length; i++) expect(Math.abs(wasm[i] - node[i])).toBeLessThan(1e-4 * (1 + Math.abs(node[i])));
  });
});
