import type { Command } from 'commander';
import { basename, dirname, extname, join } from 'node:path';
import { PAGE, WASM32_MAX_PAGES } from '../backends/wasm/heap.js';
import { readImageFile } from '../image/files.js';
import { toRgb8 } from '../image/quantize.js';
import type { DecodedImage } from '../image/types.js';
import { availableMemory } from '../node/memory.js';
import { PngFileWriter } from '../node/png-writer.js';
import { planTiles } from '../resshift/tiling.js';
import { memoryProblem } from '../resshift/upscale-memory.js';
import { SCALE, upscaleRows, type Rgb8Image } from '../resshift/upscale.js';
import { InputError } from './common.js';
import { checkOutputFile, runCommand, toJson } from './outputs.js';
import { err, out as print } from './printable.js';
import { progressBar } from './progress.js';
import { addSamplingOptions, parseFlags, setUpSampling, type SamplingFlags } from './sampling.js';

interface UpscaleFlags extends SamplingFlags {
  output?: string;
}

/** photo.jpg -> photo_x4.png beside it, so `resshift-ts upscale photo.jpg` just works. */
export function defaultOutputPath(input: string): string {
  return join(dirname(input), `${basename(input, extname(input))}_x4.png`);
}

async function upscale(input: string, flags: UpscaleFlags): Promise<void> {
  const f = { ...flags, output: flags.output ?? defaultOutputPath(input) };
  parseFlags(f);
  // every input problem surfaces before the model loads and the long work starts
  let decoded: DecodedImage | undefined;
  try {
    decoded = await readImageFile(input);
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  for (const w of decoded.warnings) err(`resshift-ts upscale: warning: ${w}`);
  await checkOutputFile(f.output, [input]);
  if (extname(f.output).toLowerCase() !== '.png') err(`resshift-ts upscale: warning: ${f.output} will hold PNG data whatever its extension`);
  const { warnings } = decoded;
  // the 8-bit source is all the work reads; the float image is let go before it starts
  const lr: Rgb8Image = { width: decoded.image.width, height: decoded.image.height, data: toRgb8(decoded.image) };
  decoded = undefined;
  const s = await setUpSampling(f);
  const [W, H] = [lr.width * SCALE, lr.height * SCALE];
  // refuse what cannot fit before the work starts; wasm keeps one tile's tensors in 4 GiB of linear memory
  const paramBytes = s.model.parameters().reduce((n, p) => n + 4 * p.size, 0);
  const budget = { available: availableMemory(), tensorLimit: s.backend === 'wasm' ? WASM32_MAX_PAGES * PAGE - paramBytes : undefined };
  const problem = memoryProblem(lr.width, lr.height, s.tile, s.overlap, s.model.config, budget);
  if (problem) {
    s.model.dispose();
    throw new InputError(`${input}: ${problem}`);
  }
  const tiles = planTiles(H, W, s).tiles.length;
  const bar = progressBar(tiles * s.steps, 'tile-steps', { quiet: f.json, label: 'upscale' });
  const start = performance.now();
  // rows go to a temporary file as tile rows finish; an interrupt removes it (after the current tile)
  let png: PngFileWriter | undefined;
  const onSignal = () => {
    bar.stop();
    png?.discardSync();
    process.exit(130);
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    png = await PngFileWriter.create(f.output, W, H);
    const out = png;
    await upscaleRows(s.model, lr, {
      ...s,
      onProgress: (done) => bar.update(done, { tile: `${Math.min(tiles, Math.floor((done - 1) / s.steps) + 1)}/${tiles}` }),
    }, (_, row) => out.writeRow(row));
    await png.close();
  } catch (e) {
    await png?.abort();
    throw e;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    bar.stop();
    s.model.dispose();
  }
  const seconds = (performance.now() - start) / 1000;
  const report = {
    input, output: f.output, checkpoint: s.path, model: s.source, backend: s.backend,
    inputSize: [lr.width, lr.height], outputSize: [W, H],
    tile: s.tile, overlap: s.overlap, tiles, steps: s.steps, seed: s.seed,
    seconds, secondsPerTileStep: seconds / (tiles * s.steps), warnings,
  };
  if (f.json) console.log(toJson(report));
  else {
    print(`wrote ${f.output}: ${W}x${H} from ${lr.width}x${lr.height}; ${tiles} tile${tiles > 1 ? 's' : ''} x ${s.steps} steps in ${seconds.toFixed(1)} s (${report.secondsPerTileStep.toFixed(3)} s per tile-step) on ${s.backend}, model ${s.path}`);
  }
}

/** `resshift-ts upscale IN -o OUT`: x4 super-resolution of one image, tile by tile. */
export function addUpscaleCommand(program: Command): void {
  const cmd = program
    .command('upscale')
    .description('x4 super-resolution of a PNG or JPEG image; writes a PNG 4 times larger (atomically)')
    .argument('<input>', 'PNG or JPEG image (alpha is dropped with a warning)')
    .option('-o, --output <file>', 'PNG file to write (default: <input>_x4.png beside the input)')
    .addHelpText('after', '\nExit status: 0 done, 1 failure, 2 bad input (image, output path, checkpoint or option).');
  addSamplingOptions(cmd).action((input: string, f: UpscaleFlags) => runCommand('upscale', () => upscale(input, f)));
}
