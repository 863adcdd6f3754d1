// What a training step holds at its peak, so `train` can pick a micro-batch that fits (or refuse
// before decoding any data). Measured, not derived: the peak of live tensor bytes of one
// trainStep on the ref backend (float32 storage, exact sizes) over widths 4..16 and crops 32..64
// is at most (246 w + 845) bytes per HR pixel of one micro-batch (activations
// saved for backward, their gradients and the loss's DCT and resize temporaries all scale with the
// pixels), plus the parameters four times (weights, gradients, Adam's two moments), plus 1 MiB
// for what does not scale (DCT bases, scalars, the accumulated loss of earlier micro-batches).

// Measured again after relu's gradient began reading its output, the convolutions applied their
// ReLU as they write, and the Haar bands' gradient became one concat (was 287 w + 970).
const PER_PIXEL_PER_CHANNEL = 246;
const PER_PIXEL = 845;
const FIXED = 2 ** 20;
/**
 * The WASM allocator rounds blocks up to size classes (at most a quarter more) and fragments:
 * its free lists keep blocks of each pass's sizes. Measured: width 64, crop 256, batch 8 in passes
 * of 3 (a 3.06 GiB estimate, under 4 GiB / 1.3) ran out of linear memory in the second pass with
 * 3.5 GiB in free lists; passes of 2 (2.04 GiB) run.
 */
export const WASM_OVERHEAD = 1.5;

/** Peak bytes of one training step: `microBatch` items of crop x crop at base width `width`. */
export function trainStepBytes(width: number, crop: number, microBatch: number, params: number): number {
  return microBatch * crop * crop * (PER_PIXEL_PER_CHANNEL * width + PER_PIXEL) + 16 * params + FIXED;
}

/** The largest micro-batch (<= batch) whose step fits in `budget` bytes; 0 when not even one item fits. */
export function largestMicroBatch(width: number, crop: number, batch: number, params: number, budget: number): number {
  for (let m = batch; m >= 1; m--) if (trainStepBytes(width, crop, m, params) <= budget) return m;
  return 0;
}

/**
 * Elements of the largest tensor of one training step, for backends that cap a tensor's size
 * (the gpu backend: what one buffer or texture of its device holds). Measured on ref like the peak: 6 w values per HR pixel of a
 * micro-batch (the largest activation or gradient), and at least 65536 (the time MLP's
 * [512, 128] weight) whatever the crop.
 */
export function largestTrainTensor(width: number, crop: number, microBatch: number): number {
  return Math.max(6 * width * crop * crop * microBatch, 65536);
}
