import { afterEach, describe, expect, it } from 'vitest';
import { refBackend } from '../../src/backends/ref/backend.js';
import { DualDomainUNet } from '../../src/resshift/model.js';
import { respace } from '../../src/resshift/respace.js';
import { sample } from '../../src/resshift/sampler.js';
import { etaSchedule } from '../../src/resshift/schedule.js';
import { activationBytes, GARBAGE_ALLOWANCE, largestSampleTensor, MEMORY_SLACK, memoryProblem, upscaleMemory } from '../../src/resshift/upscale-memory.js';
import { tensor } from '../../src/tensor/index.js';
import { Rng } from '../../src/tensor/rng.js';

const GiB = 2 ** 30;
const alloc = refBackend.alloc;
afterEach(() => {
  refBackend.alloc = alloc;
});

/** Runs the sampler for two steps on an h x w tile with `watch` told of every ref allocation. */
async function watchSampler(model: DualDomainUNet, h: number, w: number, watch: (size: number) => void): Promise<void> {
  const x = tensor(new Rng(2).fillUniform(new Float32Array(3 * h * w), -1, 1), [1, 3, h, w], { backend: 'ref' });
  refBackend.alloc = (size, dtype) => {
    const buf = alloc.call(refBackend, size, dtype);
    watch(size);
    return buf;
  };
  try {
    const sp = respace(etaSchedule(), 2);
    (await sample(model, x, { schedule: sp.schedule, modelTimesteps: sp.timesteps, kappa: 2, seed: 1 })).dispose();
  } finally {
    refBackend.alloc = alloc;
    x.dispose();
  }
}

/** Peak bytes of live ref-backend tensors while the sampler runs two steps on an h x w tile. */
async function peakSamplerBytes(model: DualDomainUNet, h: number, w: number): Promise<number> {
  // the tile's y0 is made before the sampler's first allocation: counted apart, then added
  const y0Bytes = 4 * 3 * h * w;
  const base = refBackend.stats().liveBytes + y0Bytes;
  let peak = 0;
  await watchSampler(model, h, w, () => (peak = Math.max(peak, refBackend.stats().liveBytes - base)));
  return peak + y0Bytes;
}

describe('upscale memory', () => {
  it('the per-tile tensor estimate covers what a sampler step holds, and by no more than 10%', async () => {
    for (const [c, h, w] of [[2, 24, 40], [6, 40, 32], [12, 32, 32]]) {
      const model = new DualDomainUNet({ baseChannels: c }, { rng: new Rng(1), backend: 'ref' });
      try {
        const measured = await peakSamplerBytes(model, h, w);
        const est = activationBytes(model.config, h * w);
        expect(est, `c ${c}, ${h}x${w}`).toBeGreaterThanOrEqual(measured);
        expect(est, `c ${c}, ${h}x${w}`).toBeLessThanOrEqual(1.1 * measured);
      } finally {
        model.dispose();
      }
    }
  });

  it('the largest tensor of a sampler step is what largestSampleTensor says (the gpu limit meets it first)', async () => {
    for (const [c, h, w] of [[2, 24, 40], [8, 32, 24], [12, 16, 32]]) {
      const model = new DualDomainUNet({ baseChannels: c }, { rng: new Rng(1), backend: 'ref' });
      let largest = 0;
      try {
        await watchSampler(model, h, w, (size) => (largest = Math.max(largest, size)));
      } finally {
        model.dispose();
      }
      expect(largestSampleTensor({ baseChannels: c }, h * w), `c ${c}, ${h}x${w}`).toBe(largest);
    }
  });

  it("with a per-tensor element limit (the gpu backend's device; here 2^24), refuses a tile over it and names the tile that fits", () => {
    const budget = { available: 64 * GiB, elementLimit: 2 ** 24 };
    // width 64: 384 values a pixel, so 208x208 (16.6M) fits and 216x216 does not
    expect(memoryProblem(512, 512, 256, 32, { baseChannels: 64 }, budget)).toMatch(/tensors of about 25165824 elements, over the backend's 16777216 a tensor; --tile 208 would fit/);
    expect(memoryProblem(512, 512, 208, 32, { baseChannels: 64 }, budget)).toBeNull();
    expect(memoryProblem(512, 512, 288, 32, { baseChannels: 32 }, budget)).toBeNull();
    expect(memoryProblem(512, 512, 296, 32, { baseChannels: 32 }, budget)).toMatch(/--tile 288 would fit/);
  });

  it('grows with the image only by the 8-bit source and the band width; the per-tile parts stay put', () => {
    const cfg = { baseChannels: 32 };
    const small = upscaleMemory(1024, 768, 256, cfg);
    const big = upscaleMemory(4096, 4096, 256, cfg);
    expect(big.source).toBe(3 * 4096 * 4096);
    expect([big.tileHost, big.activations]).toEqual([small.tileHost, small.activations]);
    expect(big.band - small.band).toBe((12 * 256 + 30) * 4 * (4096 - 1024));
    // 4096x4096 -> 16384x16384: far below the 24 bytes per output pixel of a whole-image float pipeline
    expect(big.total).toBeLessThan(1.5 * GiB);
    expect(big.total).toBeLessThan((24 * 16384 * 16384) / 4);
    expect(big.total).toBe(big.source + big.band + Math.ceil(MEMORY_SLACK * (big.tileHost + big.activations)) + GARBAGE_ALLOWANCE);
    // a tile larger than the image is the image's frame
    expect(upscaleMemory(10, 6, 4096, cfg).activations).toBe(activationBytes(cfg, 40 * 24));
  });

  it('refuses what cannot fit and names the largest tile that would', () => {
    const cfg = { baseChannels: 32 };
    const need = upscaleMemory(2048, 1536, 512, cfg);
    expect(memoryProblem(2048, 1536, 512, 32, cfg, { available: need.total - need.source })).toBeNull();
    const available = 1.2 * GiB;
    const msg = memoryProblem(2048, 1536, 512, 32, cfg, { available })!;
    expect(msg).toMatch(/^upscaling 2048x1536 to 8192x6144 with --tile 512 needs about [\d.]+ GiB of memory and [\d.]+ GiB is available; --tile (\d+) would fit \(about [\d.]+ (GiB|MiB)\)$/);
    const t = Number(/--tile (\d+) would fit/.exec(msg)![1]);
    const m = (tile: number) => upscaleMemory(2048, 1536, tile, cfg);
    expect(t % 8).toBe(0);
    expect(m(t).total - m(t).source).toBeLessThanOrEqual(available);
    expect(m(t + 8).total - m(t + 8).source).toBeGreaterThan(available);
    expect(memoryProblem(2048, 1536, 512, 32, cfg, { available: 10 * 2 ** 20 })).toMatch(/even --tile 40 \(with --overlap 32\) would not; free some memory$/);
  });

  it('keeps one tile\'s tensors within the backend\'s cap (wasm32: 4 GiB)', () => {
    const cfg = { baseChannels: 64 };
    const msg = memoryProblem(1024, 1024, 1024, 32, cfg, { available: 1000 * GiB, tensorLimit: 4 * GiB })!;
    expect(msg).toMatch(/with --tile 1024 needs about [\d.]+ GiB per tile for the backend's tensors, over its 4\.0 GiB; --tile (\d+) would fit/);
    const t = Number(/--tile (\d+) would fit/.exec(msg)![1]);
    expect(MEMORY_SLACK * upscaleMemory(1024, 1024, t, cfg).activations).toBeLessThanOrEqual(4 * GiB);
    expect(MEMORY_SLACK * upscaleMemory(1024, 1024, t + 8, cfg).activations).toBeGreaterThan(4 * GiB);
  });
});
