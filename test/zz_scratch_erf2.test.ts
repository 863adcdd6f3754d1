import { test } from 'vitest';
import { erf } from '../src/backends/ref/math.js';
test('t', () => {
  for (const T of ['1', '2']) {
    
    for (const x0 of [0.5, 1, 1.5, 2, 4]) {
      let s = 0; const t0 = performance.now();
      for (let i = 0; i < 200000; i++) s += erf(x0 + i * 1e-7);
      console.log('T', T, x0, ((performance.now() - t0) / 200000 * 1e3).toFixed(1), 'ns', s > 0);
    }
  }
});
