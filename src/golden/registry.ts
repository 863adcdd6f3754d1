import { amplitudeHandler } from './ops/amplitude.js';
import { catAddHandler } from './ops/cat-add.js';
import { conv2dHandler } from './ops/conv.js';
import { dctHandler } from './ops/dct.js';
import { diffusionHandler } from './ops/diffusion.js';
import { elementwiseHandler } from './ops/elementwise.js';
import { haarHandler } from './ops/haar.js';
import { interpolateHandler } from './ops/interpolate.js';
import { linearHandler } from './ops/linear.js';
import { lossHandler } from './ops/loss.js';
import { modelHandler } from './ops/model.js';
import { optimHandler } from './ops/optim.js';
import { poolHandler } from './ops/pool.js';
import { posEncHandler } from './ops/pos-enc.js';
import { scheduleHandler } from './ops/schedule.js';
import { timeEmbeddingHandler } from './ops/time-embedding.js';
import type { GoldenHandler } from './types.js';

/** Every op family the runner knows, one handler each. */
const HANDLERS: readonly GoldenHandler[] = [
  conv2dHandler,
  linearHandler,
  elementwiseHandler,
  poolHandler,
  interpolateHandler,
  catAddHandler,
  dctHandler,
  haarHandler,
  timeEmbeddingHandler,
  posEncHandler,
  amplitudeHandler,
  scheduleHandler,
  diffusionHandler,
  lossHandler,
  optimHandler,
  modelHandler,
];

const byOp = new Map<string, GoldenHandler>();
for (const h of HANDLERS) {
  for (const op of h.ops) {
    if (byOp.has(op)) throw new Error(`golden: two handlers for op '${op}'`);
    byOp.set(op, h);
  }
}

export function handlerFor(op: string): GoldenHandler | undefined {
  return byOp.get(op);
}

/** The ops with a handler (some of which may still report cases as unsupported). */
export function knownOps(): string[] {
  return [...byOp.keys()].sort();
}
