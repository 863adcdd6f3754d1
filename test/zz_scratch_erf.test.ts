import { test } from 'vitest';
import { readFileSync } from 'node:fs';
import { erf } from '../src/backends/ref/math.js';
test('x', () => {
  const ref: [number, number][] = JSON.parse(readFileSync('/tmp/erfref.json', 'utf8'));
  const bins = new Map<number, number>();
  for (const [x, y] of ref) {
    const e = Math.abs(erf(x) - y);
    const b = Math.floor(Math.abs(x) * 2) / 2;
    bins.set(b, Math.max(bins.get(b) ?? 0, e));
  }
  console.log([...bins].sort((a, b) => a[0] - b[0]).map(([b, e]) => `${b}: ${e.toExponential(2)}`).join('\n'));
});
test('its', () => { for (const x of [1, 1.5, 2, 2.5, 3, 4]) { 
