// The benchmark workloads, shared by `resshift-ts bench` and `npm run bench` so both time the
// same thing. Each case builds its inputs on the current backend and returns a timed body.

import { getBackendPreference, getKernel, registerKernel } from '../backends/registry.js';
import type { Kernel } from '../backends/types.js';
import { Adam, clipGradNorm } from '../nn/index.js';
import { augmentY0 } from '../resshift/augment.js';
import { multiscaleLoss } from '../resshift/loss.js';
import { DualDomainUNet } from '../resshift/model.js';
import { sample } from '../resshift/sampler.js';
import { DEFAULT_RESSHIFT_CONFIG, etaSchedule } from '../resshift/schedule.js';
import {
  add, backward, conv2d, conv2dGradInput, conv2dGradWeight, matmul, noGrad, Rng, scope, tensor, zeroGrad, type Tensor,
} from '../tensor/index.js';

export interface BenchBody {
  /** One timed iteration, awaited by the harness: the sampler reads once per reverse step, and on
   * an asynchronous backend it resolves only once the GPU work is done. */
  run: () => void | Promise<void>;
  dispose: () => void;
}

export interface BenchCase {
  name: string;
  what: string;
  /** Multiply-add work of the convolutions and matmuls (2 per MAC); null: count it on a run. */
  flop: number | null;
  /** Runs only when named (--only): too slow on a CPU to be part of every run. */
  onlyWhenNamed?: boolean;
  /** `scale` < 1 shrinks the workload (smoke tests, the slow ref backend). */
  setup(scale?: number): BenchBody;
}

function random(shape: number[], seed: number): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  return tensor(new Rng(seed, 1).fillUniform(new Float32Array(n), -1, 1), shape);
}

function disposeAll(ts: Tensor[]): void {
  for (const t of ts) t.dispose();
}

/** One training step as the trainer runs it: forward, multiscale loss, backward, clip, Adam. */
export function unetTrainStep(batch: number, size: number, width = 64): BenchBody {
  const model = new DualDomainUNet({ baseChannels: width }, { rng: new Rng(0) });
  const params = model.parameters();
  const opt = new Adam(params, { lr: 1e-4 });
  const xt = random([batch, 3, size, size], 1);
  const y0 = random([batch, 3, size, size], 2);
  const x0 = random([batch, 3, size, size], 3);
  const t = tensor(Array.from({ length: batch }, (_, i) => (i * 5) % 15), [batch]);
  return {
    run: () =>
      scope(() => {
        const y0Aug = noGrad(() => augmentY0(y0));
        const output = model.forward(xt, y0Aug, t);
        const loss = multiscaleLoss(add(y0, output), x0);
        backward(loss);
        const { clipped } = clipGradNorm(params.map((p) => p.grad!), 1);
        opt.stepWith(clipped);
        zeroGrad(params);
      }),
    dispose: () => {
      opt.dispose();
      model.dispose();
      disposeAll([xt, y0, x0, t]);
    },
  };
}

/** One denoiser evaluation at inference: the UNet forward without gradients, batch 1. */
export function unetForward(size: number, width = 64): BenchBody {
  const model = new DualDomainUNet({ baseChannels: width }, { rng: new Rng(0) });
  const xt = random([1, 3, size, size], 1);
  const y0Aug = random([1, 28, size, size], 2);
  const t = tensor([7], [1]);
  return {
    run: () => noGrad(() => scope(() => void model.forward(xt, y0Aug, t))),
    dispose: () => {
      model.dispose();
      disposeAll([xt, y0Aug, t]);
    },
  };
}

/**
 * What `upscale` costs per tile: ResShift's 15-step reverse process on one [1, 3, size, size]
 * bicubic upsample (augmentation once, the UNet and the posterior at each step, one read per step).
 */
export function unetSample(size: number, width = 64): BenchBody {
  const model = new DualDomainUNet({ baseChannels: width }, { rng: new Rng(0) });
  const y0 = random([1, 3, size, size], 2);
  const schedule = etaSchedule(DEFAULT_RESSHIFT_CONFIG);
  return {
    run: async () => (await sample(model, y0, { schedule, kappa: DEFAULT_RESSHIFT_CONFIG.kappa, seed: 0 })).dispose(),
    dispose: () => {
      model.dispose();
      y0.dispose();
    },
  };
}

const sz = (n: number, scale: number, min = 8) => Math.max(min, Math.round((n * scale) / 8) * 8);

export const BENCH_CASES: BenchCase[] = [
  {
    name: 'matmul-1024',
    what: '[1024,1024] x [1024,1024]',
    flop: 2 * 1024 ** 3,
    setup(scale = 1) {
      const n = sz(1024, scale);
      const a = random([n, n], 1);
      const b = random([n, n], 2);
      return { run: () => noGrad(() => matmul(a, b).dispose()), dispose: () => disposeAll([a, b]) };
    },
  },
  {
    name: 'conv3x3-64-fwd',
    what: 'x [8,64,64,64], w [64,64,3,3], pad 1',
    flop: 2 * 8 * 64 * 64 * 64 * 64 * 9,
    setup(scale = 1) {
      const s = sz(64, scale);
      const x = random([8, 64, s, s], 3);
      const w = random([64, 64, 3, 3], 4);
      return { run: () => noGrad(() => conv2d(x, w, null, { padding: 1 }).dispose()), dispose: () => disposeAll([x, w]) };
    },
  },
  {
    name: 'conv3x3-64-fwdbwd',
    what: 'forward, input gradient and weight gradient of conv3x3-64-fwd',
    flop: 3 * 2 * 8 * 64 * 64 * 64 * 64 * 9,
    setup(scale = 1) {
      const s = sz(64, scale);
      const x = random([8, 64, s, s], 3);
      const w = random([64, 64, 3, 3], 4);
      const g = random([8, 64, s, s], 5);
      const a = { stride: [1, 1], padding: [1, 1] } as const;
      return {
        run: () =>
          noGrad(() => {
            conv2d(x, w, null, { padding: 1 }).dispose();
            conv2dGradInput(g, w, a, [8, 64, s, s]).dispose();
            conv2dGradWeight(x, g, a, [3, 3]).dispose();
          }),
        dispose: () => disposeAll([x, w, g]),
      };
    },
  },
  { name: 'unet-train-b4-64', what: 'training step, width 64, batch 4, 64x64 crops', flop: null, setup: (scale = 1) => unetTrainStep(4, sz(64, scale)) },
  { name: 'unet-train-b8-128', what: 'training step, width 64, batch 8, 128x128 crops', flop: null, setup: (scale = 1) => unetTrainStep(8, sz(128, scale)) },
  {
    name: 'unet-train-b8-256',
    what: 'training step, width 64, batch 8, 256x256 crops (the reference recipe; the GPU target)',
    flop: null,
    onlyWhenNamed: true,
    setup: (scale = 1) => unetTrainStep(8, sz(256, scale)),
  },
  { name: 'unet-fwd-256', what: 'UNet forward, width 64, batch 1, 256x256', flop: null, setup: (scale = 1) => unetForward(sz(256, scale)) },
  { name: 'unet-sample-256', what: '15-step sampling of one 256x256 tile, width 64', flop: null, setup: (scale = 1) => unetSample(sz(256, scale)) },
  {
    name: 'unet-sample-256-w32',
    what: 'the same with the bundled model\'s width 32: what `upscale` costs per 256 tile',
    flop: null,
    setup: (scale = 1) => unetSample(sz(256, scale), 32),
  },
];

const COUNTED = ['matmul', 'conv2d', 'conv2dGradInput', 'conv2dGradWeight'] as const;

function macs(op: string, ins: readonly { shape: readonly number[] }[], outs: readonly { shape: readonly number[] }[], attrs: Record<string, unknown>): number {
  const n = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);
  if (op === 'matmul') {
    const a = ins[0].shape;
    return n(outs[0].shape) * (attrs.transA ? a[a.length - 2] : a[a.length - 1]);
  }
  if (op === 'conv2d') return n(outs[0].shape) * n(ins[1].shape.slice(1)); // out x C kh kw
  if (op === 'conv2dGradInput') return n(ins[0].shape) * n(ins[1].shape.slice(1)); // gradOut x C kh kw
  return n(ins[1].shape) * n(outs[0].shape.slice(1)); // gradOut x C kh kw
}

/**
 * Floating-point work of fn's matmuls and convolutions (2 per multiply-add) on the preferred
 * backend, counted by wrapping those kernels for one call.
 */
export async function countFlop(fn: () => void | Promise<void>): Promise<number> {
  const backend = getBackendPreference()[0];
  const saved = COUNTED.map((op) => [op, getKernel(backend, op)] as const);
  let total = 0;
  for (const [op, k] of saved) {
    if (!k) continue;
    registerKernel(backend, op, ((ins, outs, attrs) => {
      total += 2 * macs(op, ins, outs, attrs as Record<string, unknown>);
      return (k as Kernel)(ins, outs, attrs);
    }) as Kernel);
  }
  try {
    await fn();
  } finally {
    for (const [op, k] of saved) if (k) registerKernel(backend, op, k);
  }
  return total;
}
