// The micro-batch a training run uses, shared by `resshift-ts train` and trainModel: Node-only
// (it reads the memory free on this machine).
import { PAGE, WASM32_MAX_PAGES } from '../backends/wasm/heap.js';
import { defaultUNetConfig } from '../resshift/model.js';
import { unetStateShapes } from '../resshift/model-shapes.js';
import type { TrainConfig } from '../resshift/train-config.js';
import { largestMicroBatch, largestTrainTensor, trainStepBytes, WASM_OVERHEAD } from '../resshift/train-memory.js';
import { availableMemory } from './memory.js';

/**
 * The micro-batch of this run: the one given or stored, else the largest whose step fits the
 * backend's memory (WASM: its 4 GiB linear memory; all: the memory free on this machine) and
 * whose largest tensor has at most `elementLimit` elements (the backend's maxElements: the gpu
 * backend's device holds a tensor in one buffer or texture). Refused before any data is decoded
 * when not even the given one (or one item) fits.
 */
export function fitMicroBatch(c: TrainConfig, backend: string, stored: TrainConfig | null, elementLimit?: number): { config: TrainConfig } | { error: string } {
  const params = unetStateShapes({ ...defaultUNetConfig, baseChannels: c.width }).reduce((n, [, s]) => n + s.reduce((a, b) => a * b, 1), 0);
  const free = availableMemory();
  const budget = backend === 'wasm' ? Math.min(free, (WASM32_MAX_PAGES * PAGE) / WASM_OVERHEAD) : free;
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
  const need = (m: number) => trainStepBytes(c.width, c.crop, m, params);
  // a run from before micro-batches ran whole batches: keep doing so unless told otherwise
  const wanted = c.microBatch ?? (stored ? c.batch : null);
  const maxItems = elementLimit === undefined ? Infinity : Math.floor(elementLimit / largestTrainTensor(c.width, c.crop, 1));
  if (maxItems < 1 || (wanted !== null && wanted > maxItems)) {
    const tooLarge = `a step of ${wanted ?? 1} item(s) at width ${c.width}, crop ${c.crop} has a tensor of ${largestTrainTensor(c.width, c.crop, wanted ?? 1)} elements, above the ${elementLimit} one tensor may have on the ${backend} backend here`;
    return { error: `${tooLarge}${maxItems >= 1 ? `; --micro-batch ${maxItems} fits` : '; use a smaller --crop or --width'}` };
  }
  if (wanted !== null) {
    if (need(wanted) > budget) {
      const fits = largestMicroBatch(c.width, c.crop, wanted, params, budget);
      return { error: `a step of ${wanted} item(s) at width ${c.width}, crop ${c.crop} needs about ${gib(need(wanted))}, above the ${gib(budget)} this ${backend} backend can use${fits ? `; --micro-batch ${fits} fits` : '; use a smaller --crop or --width'}` };
    }
    return { config: { ...c, microBatch: wanted } };
  }
  const m = Math.min(largestMicroBatch(c.width, c.crop, c.batch, params, budget), maxItems);
  if (!m) return { error: `one item at width ${c.width}, crop ${c.crop} needs about ${gib(need(1))}, above the ${gib(budget)} this ${backend} backend can use; use a smaller --crop or --width` };
  return { config: { ...c, microBatch: m } };
}

