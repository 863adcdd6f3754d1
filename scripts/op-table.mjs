// Prints the op x backend kernel coverage table (Markdown) from the registry, for the README.
// Needs `npm run build` first.
import { getOp, listOps, kernelNames } from '../dist/tensor/index.js';
import { initWasmBackend } from '../dist/backends/wasm/index.js';

await initWasmBackend({ threads: 1 });
const backends = ['ref', 'wasm'];
const have = Object.fromEntries(backends.map((b) => [b, new Set(kernelNames(b))]));
const rows = listOps().map((op) => `| \`${op}\` | ${backends.map((b) => (getOp(op).view ? 'view' : have[b].has(op) ? 'yes' : '—')).join(' | ')} |`);
console.log(`| op | ${backends.join(' | ')} |\n|---|${backends.map(() => '---').join('|')}|\n${rows.join('\n')}`);
process.exit(0);
