export { Adam, type AdamOptions, type AdamSlot } from './adam.js';
export { clipGradNorm, clipGradNorm_ } from './clip.js';
export { cosineAnnealingLr, type CosineAnnealingOptions } from './lr.js';
export { parseSafetensors, serializeSafetensors } from './safetensors.js';
