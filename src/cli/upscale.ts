import type { Command } from 'commander';
import { basename, dirname, extname, join } from 'node:path';
import { encodePng } from '../image/encode.js';
import { readImageFile } from '../image/files.js';
import { writeFileAtomic } from '../node/files.js';
import { planTiles } from '../resshift/tiling.js';
import { SCALE, upscaleImage } from '../resshift/upscale.js';
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
  let decoded;
  try {
    decoded = await readImageFile(input);
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  for (const w of decoded.warnings) err(`resshift-ts upscale: warning: ${w}`);
  await checkOutputFile(f.output, [input]);
  if (extname(f.output).toLowerCase() !== '.png') err(`resshift-ts upscale: warning: ${f.output} will hold PNG data whatever its extension`);
  const s = await setUpSampling(f);
  const lr = decoded.image;
  const [W, H] = [lr.width * SCALE, lr.height * SCALE];
  const tiles = planTiles(H, W, s).tiles.length;
  const bar = progressBar(tiles * s.steps, 'tile-steps', { quiet: f.json, label: 'upscale' });
  const start = performance.now();
  let out;
  try {
    out = await upscaleImage(s.model, lr, {
      ...s,
      onProgress: (done) => bar.update(done, { tile: `${Math.min(tiles, Math.floor((done - 1) / s.steps) + 1)}/${tiles}` }),
    });
  } finally {
    bar.stop();
    s.model.dispose();
  }
  const seconds = (performance.now() - start) / 1000;
  // the writer whose temporary name checkOutputFile tried
  await writeFileAtomic(f.output, encodePng(out));
  const report = {
    input, output: f.output, checkpoint: s.path, model: s.source, backend: s.backend,
    inputSize: [lr.width, lr.height], outputSize: [W, H],
    tile: s.tile, overlap: s.overlap, tiles, steps: s.steps, seed: s.seed,
    seconds, secondsPerTileStep: seconds / (tiles * s.steps), warnings: decoded.warnings,
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
