import { Option, type Command } from 'commander';
import { checkTileOptions, DEFAULT_OVERLAP, DEFAULT_TILE, TILE_MULTIPLE } from '../resshift/tiling.js';
import { BACKEND_NAMES, FMA_HELP, GPU_MODE_HELP, InputError, intOption, selectBackend, threadsOption } from './common.js';
import { CHECKPOINT_DIR, chooseModel, loadModel, modelOption, type LoadedModel } from './model-source.js';
import { seedOption } from './outputs.js';

// Options shared by `upscale` and `eval`: the model, the sampler and the backend.

export interface SamplingFlags {
  fma?: boolean;
  checkpoint?: string;
  model?: string;
  checkpoints?: string;
  steps?: string;
  tile: string;
  overlap: string;
  seed: string;
  backend: string;
  gpuMode?: string;
  threads?: string;
  json?: boolean;
}

/**
 * Largest --tile. Memory grows with the tile, not the image: the UNet keeps activation maps of
 * tile² x 2·width floats (0.5 GB each for a 1024 tile at width 64), and a larger tile only saves
 * a few blended seams, so beyond this a tile exhausts memory for no gain.
 */
export const MAX_TILE = 1024;

// option values stay strings (parsed and checked in one place); the help shows them unquoted
const withDefault = (flags: string, help: string, v: string | number) => new Option(flags, help).default(String(v), String(v));

export function addSamplingOptions(cmd: Command): Command {
  return cmd
    .option('--checkpoint <file>', 'model checkpoint (.safetensors); default: the bundled model, else the newest in ./checkpoints')
    .option('--model <which>', 'latest: the newest usable checkpoint `train` wrote in --checkpoints; bundled: the model shipped in the package')
    .addOption(withDefault('--checkpoints <dir>', 'the folder --model latest looks in', CHECKPOINT_DIR))
    .option('--steps <n>', 'reverse diffusion steps, 2..T; fewer than T respace the process over evenly spread timesteps, T and 1 always included (default: T, all)')
    .addOption(withDefault('--tile <px>', `tile side in output pixels, a multiple of 8 up to ${MAX_TILE}; memory grows with it, not with the image`, DEFAULT_TILE))
    .addOption(withDefault('--overlap <px>', 'pixels neighbouring tiles share and blend over', DEFAULT_OVERLAP))
    .addOption(withDefault('--seed <n>', 'noise seed; the same seed gives the same output on the same backend', 0))
    .addOption(withDefault('--backend <name>', `${BACKEND_NAMES} (auto: wasm when it starts, else ref)`, 'auto'))
    .option('--gpu-mode <mode>', GPU_MODE_HELP)
    .option('--threads <n>', 'worker threads for the wasm backend, at most twice the cores (default: all cores)')
    .option('--fma', FMA_HELP)
    .option('--json', 'JSON events on stdout, one object a line: start, progress, written (upscale), done, and error on failure');
}

export interface SamplingSetup extends LoadedModel {
  backend: string;
  steps: number;
  tile: number;
  overlap: number;
  seed: number;
}

/** Cheap checks of the numeric flags, before anything is read or loaded. */
export function parseFlags(f: SamplingFlags): { tile: number; overlap: number; seed: number; threads?: number } {
  const tile = intOption('tile', f.tile, TILE_MULTIPLE, MAX_TILE);
  const overlap = Number(f.overlap);
  try {
    checkTileOptions(tile, overlap);
  } catch (e) {
    throw new InputError(`--tile ${f.tile} --overlap ${f.overlap}: ${(e as Error).message}`);
  }
  const threads = threadsOption(f.threads);
  modelOption(f.model, f.checkpoint);
  return { tile, overlap, seed: seedOption(f.seed), threads };
}

/** Starts the backend and loads the model; --steps is checked against the model's T. */
export async function setUpSampling(f: SamplingFlags): Promise<SamplingSetup> {
  const { tile, overlap, seed, threads } = parseFlags(f);
  const choice = await chooseModel(f.checkpoint, undefined, f.checkpoints ?? CHECKPOINT_DIR, modelOption(f.model, f.checkpoint));
  const backend = await selectBackend(f.backend, { threads, gpuMode: f.gpuMode, fma: f.fma });
  const loaded = await loadModel(choice, backend);
  const T = loaded.schedule.T;
  const steps = f.steps === undefined ? T : Number(f.steps);
  if (!Number.isInteger(steps) || steps < 2 || steps > T) {
    loaded.model.dispose();
    throw new InputError(`--steps must be an integer from 2 to ${T} (the model's T), got ${f.steps}`);
  }
  return { ...loaded, backend, steps, tile, overlap, seed };
}
