// Writes a model-only copy of a training checkpoint (weights, model and diffusion settings; no
// optimizer or training position), e.g. the bundled models/resshift-default.safetensors.
// Usage: npm run build && node scripts/bundle-model.mjs CHECKPOINT OUT
import { readFileSync, writeFileSync } from 'node:fs';
import { checkpointFromBytes, modelFromCheckpoint, modelToBytes } from '../dist/resshift/checkpoint.js';

const [src, out] = process.argv.slice(2);
if (!src || !out) {
  console.error('usage: node scripts/bundle-model.mjs CHECKPOINT OUT');
  process.exit(2);
}
const ck = checkpointFromBytes(readFileSync(src));
const model = modelFromCheckpoint(ck);
writeFileSync(out, await modelToBytes(model, { model: ck.meta.model, diffusion: ck.meta.diffusion }));
console.log(`wrote ${out}: width ${ck.meta.model.baseChannels}, ${model.parameters().reduce((n, p) => n + p.size, 0)} parameters`);
