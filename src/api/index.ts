// The high-level API: load a model, upscale images (8-bit pixels, PNG/JPEG bytes, ImageData,
// canvases), evaluate, in Node, Deno and browsers alike. On a browser page the work runs in a
// Web Worker by default, so the page stays responsive.
export { evaluateModel, loadModel, Model, upscale, upscalePng, type EvaluateModelOptions } from './model.js';
export { upscaleCanvas, upscaleImageData, type CanvasLike, type ImageDataLike } from './dom.js';
export { BUNDLED_MODEL_URL } from './bundled.js';
export type { BackendChoice, LoadModelOptions, ModelInfo, ModelSource, Pixels, RgbPixels, RunOptions, SamplingOptions, UpscaleOptions, UpscalePngOptions } from './types.js';
