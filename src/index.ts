// The package: the engine, the ResShift building blocks, image I/O and metrics, and the
// high-level API (loadModel, upscale, ...). Browser-, Deno- and Node-safe: runtime-specific
// modules are chosen by package.json "imports" conditions, so no Node built-in is reachable on
// the browser path and bundlers need no flags.
export * from './engine.js';

// ResShift building blocks: schedule, diffusion, sampler, tiling, checkpoints (as bytes), loss
export { DEFAULT_RESSHIFT_CONFIG, etaSchedule, scheduleFromEta, type EtaSchedule, type ResShiftConfig } from './resshift/schedule.js';
export { respace, respacedTimesteps, type Respaced } from './resshift/respace.js';
export { posterior, posteriorCoefficients, qSample, type Posterior, type PosteriorCoefficients } from './resshift/diffusion.js';
export { augmentY0, fourierPosEnc, localAmplitude } from './resshift/augment.js';
export { sample, tileNoise, type SampleOptions, type TileWindow } from './resshift/sampler.js';
export { DEFAULT_OVERLAP, DEFAULT_TILE, planTiles, type Tile, type TileLayout, type TileOptions } from './resshift/tiling.js';
export { SCALE, superResolve, upscaleImage, upscaleRows, type Rgb8Image, type RowSink, type SuperResolveOptions } from './resshift/upscale.js';
export { checkpointFromBytes, modelFromCheckpoint, modelToBytes, stateToBytes, type CheckpointMeta, type LoadedCheckpoint } from './resshift/checkpoint.js';
export { multiscaleLoss, multiscaleLossParts, type MultiscaleLossOptions } from './resshift/loss.js';
export { prepareHr, scoreImage, type EvaluateResult, type ImageMetrics, type MetricTriple } from './resshift/evaluate.js';

// Image I/O (PNG/JPEG bytes), Pillow-exact bicubic, PSNR/SSIM
export * from './image/index.js';

// The high-level API
export * from './api/index.js';
