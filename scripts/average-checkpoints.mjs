// Averages the weights of several model files of one run (Polyak averaging over the last saved
// checkpoints: a cheap stand-in for an EMA of the weights, measured in models/runs/EXPERIMENTS.md).
// Writes a model-only file (no optimizer, no training position) with the first file's settings.
// Usage: npm run build && node scripts/average-checkpoints.mjs OUT MODEL1 MODEL2 [...]
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseSafetensors, serializeSafetensors } from '../dist/nn/safetensors.js';

const [out, ...inputs] = process.argv.slice(2);
if (!out || inputs.length < 2) {
  console.error('usage: node scripts/average-checkpoints.mjs OUT MODEL1 MODEL2 [...]');
  process.exit(2);
}
if (inputs.includes(out)) {
  console.error(`average-checkpoints: ${out} is also an input`);
  process.exit(2);
}
const files = inputs.map((p) => parseSafetensors(readFileSync(p)));
const first = files[0];
const sums = new Map();
for (const [name, t] of first.tensors) sums.set(name, { shape: t.shape, acc: new Float64Array(t.data.length) });
files.forEach((f, i) => {
  if (f.tensors.size !== first.tensors.size) throw new Error(`${inputs[i]}: ${f.tensors.size} tensors, ${inputs[0]} has ${first.tensors.size}`);
  for (const [name, t] of f.tensors) {
    const s = sums.get(name);
    if (!s || s.shape.join() !== t.shape.join()) throw new Error(`${inputs[i]}: tensor ${name} does not match ${inputs[0]}`);
    for (let k = 0; k < t.data.length; k++) s.acc[k] += t.data[k];
  }
});
const tensors = [...sums].map(([name, s]) => [name, { shape: s.shape, data: Float32Array.from(s.acc, (v) => v / files.length) }]);
const md = { ...first.metadata, averaged_from: JSON.stringify(inputs.map((p) => basename(p))) };
delete md.train;
delete md.optimizer_file;
writeFileSync(`${out}.tmp`, serializeSafetensors(tensors, md));
renameSync(`${out}.tmp`, out);
console.log(`wrote ${out}: mean of ${inputs.length} model files`);
