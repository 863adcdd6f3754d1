// The work itself, on the calling thread: a checkpoint held as host arrays, the network built on
// each backend a call asks for, and upscaling, PNG/JPEG in and out, and evaluation. The page's
// Web Worker runs this same code, so a worker and the calling thread give the same bits.
import { encode as encodePngData } from 'fast-png';
import { availableMemory } from '#platform';
import { PAGE, WASM32_MAX_PAGES } from '../backends/wasm/heap.js';
import { decodeImage } from '../image/decode.js';
import { toRgb8 } from '../image/quantize.js';
import type { RgbImage } from '../image/types.js';
import { checkpointFromBytes, modelFromCheckpoint, type LoadedCheckpoint } from '../resshift/checkpoint.js';
import { evaluateModel, type EvaluateResult, type ImageMetrics } from '../resshift/evaluate.js';
import type { DualDomainUNet } from '../resshift/model.js';
import { etaSchedule, type EtaSchedule } from '../resshift/schedule.js';
import { SCALE, upscaleRows } from '../resshift/upscale.js';
import { getBackend } from '../backends/registry.js';
import { memoryProblem } from '../resshift/upscale-memory.js';
import { startBackend } from './backend.js';
import type { Sampling } from './options.js';
import type { BackendChoice, ModelInfo, RgbPixels } from './types.js';

/** What a call runs on and reports to; everything but the callbacks can cross to a worker. */
export interface RunSettings {
  backend?: BackendChoice;
  threads?: number;
  fma?: boolean;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface EvaluateSettings extends Sampling {
  crop?: number;
  comparisons?: boolean;
}

export interface EvaluateHooks extends RunSettings {
  onImage?: (metrics: ImageMetrics, index: number, count: number) => void;
}

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0];

export class LocalModel {
  private readonly models = new Map<string, DualDomainUNet>();
  private readonly schedule: EtaSchedule;
  private disposed = false;

  private constructor(
    private readonly checkpoint: LoadedCheckpoint,
    readonly info: ModelInfo,
  ) {
    this.schedule = etaSchedule(checkpoint.meta.diffusion);
  }

  /** Parses and checks a checkpoint; errors are one line starting with `name`. Nothing is built yet. */
  static fromBytes(bytes: Uint8Array, name: string): LocalModel {
    let ck: LoadedCheckpoint;
    try {
      ck = checkpointFromBytes(bytes);
    } catch (e) {
      const msg = firstLine(e);
      if (msg.startsWith('safetensors:')) throw new Error(`${name}: not a safetensors file (${msg.slice(13)})`);
      throw new Error(`${name}: ${msg.replace(/^checkpoint: /, '')}`);
    }
    return new LocalModel(ck, { name, config: { ...ck.meta.model }, diffusion: { ...ck.meta.diffusion } });
  }

  /** The network on `backend`, built on first use from the host copy of the weights. */
  private modelOn(backend: string): DualDomainUNet {
    if (this.disposed) throw new Error(`${this.info.name}: the model was disposed`);
    let m = this.models.get(backend);
    if (!m) {
      m = modelFromCheckpoint(this.checkpoint, backend);
      this.models.set(backend, m);
    }
    return m;
  }

  async upscale(lr: RgbPixels, s: Sampling, o: RunSettings = {}): Promise<RgbPixels> {
    const backend = await startBackend(o.backend, o.threads, o.fma);
    const model = this.modelOn(backend);
    const [W, H] = [lr.width * SCALE, lr.height * SCALE];
    // refuse what cannot fit before the work starts; wasm keeps one tile's tensors in 4 GiB of
    // linear memory, the gpu backend a tensor in one buffer or texture of its device
    const paramBytes = model.parameters().reduce((n, p) => n + 4 * p.size, 0);
    const budget = {
      available: availableMemory() - W * H * 3,
      tensorLimit: backend === 'wasm' ? WASM32_MAX_PAGES * PAGE - paramBytes : undefined,
      elementLimit: getBackend(backend).maxElements,
    };
    const problem = memoryProblem(lr.width, lr.height, s.tile, s.overlap, model.config, budget);
    if (problem) throw new Error(`upscale: ${problem.replace(/--(tile|overlap)/g, '$1')}`);
    const out = new Uint8Array(W * H * 3);
    const opts = { schedule: this.schedule, kappa: this.info.diffusion.kappa, ...s, onProgress: o.onProgress, signal: o.signal };
    await upscaleRows(model, lr, opts, (y, row) => out.set(row, y * W * 3));
    return { width: W, height: H, data: out };
  }

  /** PNG or JPEG bytes in, 8-bit RGB PNG bytes out; `warnings` says what the decoder dropped. */
  async upscalePng(bytes: Uint8Array, s: Sampling, o: RunSettings = {}): Promise<{ png: Uint8Array; warnings: string[] }> {
    const decoded = decodeImage(bytes, 'image');
    const lr: RgbPixels = { width: decoded.image.width, height: decoded.image.height, data: toRgb8(decoded.image) };
    const out = await this.upscale(lr, s, o);
    return { png: encodePngData({ width: out.width, height: out.height, data: out.data, depth: 8, channels: 3 }), warnings: decoded.warnings };
  }

  /** SR and bicubic PSNR / SSIM / PSNR-Y of each HR image, as `resshift-ts eval` scores them. */
  async evaluate(images: { name: string; image: RgbImage }[], s: EvaluateSettings, o: EvaluateHooks = {}): Promise<EvaluateResult> {
    const backend = await startBackend(o.backend, o.threads, o.fma);
    const model = this.modelOn(backend);
    return evaluateModel(model, images, {
      schedule: this.schedule,
      kappa: this.info.diffusion.kappa,
      ...s,
      onProgress: o.onProgress,
      onImage: o.onImage,
      signal: o.signal,
    });
  }

  /** Frees the networks' tensors; the model cannot be used afterwards. */
  dispose(): void {
    this.disposed = true;
    for (const m of this.models.values()) m.dispose();
    this.models.clear();
  }
}
