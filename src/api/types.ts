// Public types of the high-level API.
import type { UNetConfig } from '../resshift/model.js';
import type { ResShiftConfig } from '../resshift/schedule.js';

/** Where a model's weights come from: a safetensors checkpoint as bytes, at a URL, or in a file (Node, Deno). */
export type ModelSource = { bytes: Uint8Array | ArrayBuffer; name?: string } | { url: string | URL } | { path: string };

/** 'auto' takes wasm where it starts and ref otherwise; other registered backends by name. */
export type BackendChoice = 'auto' | 'wasm' | 'ref' | (string & {});

export interface LoadModelOptions {
  /**
   * Where the work runs. 'auto' (the default): in a Web Worker on a browser page's main thread
   * (the page stays responsive; if the worker script cannot load, on the page with a warning),
   * on the calling thread elsewhere. true: a worker or an error; false: the calling thread. A URL
   * (or string) names the worker script, for bundles that do not emit `resshift-worker.js` beside
   * themselves (see README "Use it").
   */
  worker?: 'auto' | boolean | string | URL;
}

export interface ModelInfo {
  /** Where the weights came from (path, URL, 'bytes' or the bundled file). */
  name: string;
  /** The network's widths. */
  config: UNetConfig;
  /** The diffusion settings; `T` is the most reverse steps an upscale can take. */
  diffusion: ResShiftConfig;
}

/** An 8-bit image, row-major: 3 bytes a pixel (RGB) or 4 (RGBA, alpha ignored), as ImageData's data. */
export interface Pixels {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

/** An 8-bit RGB image, row-major, 3 bytes a pixel. */
export interface RgbPixels {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface RunOptions {
  /** The backend the work runs on (default 'auto'). */
  backend?: BackendChoice;
  /**
   * Threads of the wasm backend, the caller included. Default: all cores; in a page's worker all
   * but one, left to the page. Threads need SharedArrayBuffer: in a page, cross-origin isolation.
   */
  threads?: number;
  /**
   * wasm backend: fused multiply-add in matrix products and convolutions (WebAssembly relaxed
   * SIMD; Chrome 114+, Deno, Node with --experimental-wasm-relaxed-simd), about 1.2x faster.
   * Results differ from the default's in the last bits. Chosen when the backend first starts.
   */
  fma?: boolean;
  /** Called after every reverse step of every tile: `done` of `total` tile-steps. */
  onProgress?: (done: number, total: number) => void;
  /** Aborting stops the work (in a worker at once, on the calling thread after the current step) and rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface SamplingOptions {
  /** Reverse steps, 2 to the model's T (default T); fewer respace the process. */
  steps?: number;
  /** Tile side in output pixels, a multiple of 8 (default 256); memory grows with it, not with the image. */
  tile?: number;
  /** Pixels neighbouring tiles share and blend over (default 32). */
  overlap?: number;
  /** Noise seed (default 0); the same seed on the same backend gives the same output, bit for bit. */
  seed?: number;
}

export interface UpscaleOptions extends RunOptions, SamplingOptions {}

export interface UpscalePngOptions extends UpscaleOptions {
  /** Receives what the decoder dropped or changed (alpha, a CMYK conversion), one line each. */
  onWarning?: (message: string) => void;
}
