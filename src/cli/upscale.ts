import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import { basename, dirname, extname, join, normalize, resolve } from 'node:path';
import { getBackend } from '../backends/registry.js';
import { PAGE, WASM32_MAX_PAGES } from '../backends/wasm/heap.js';
import { DEFAULT_QUALITY, encodeJpegRgba, JPEG_MAX_SIDE } from '../image/encode.js';
import { FORMAT_EXTENSION, formatOfName, listImages, readImageFile, type OutputFormat } from '../image/files.js';
import { toRgb8 } from '../image/quantize.js';
import type { DecodedImage } from '../image/types.js';
import { encodeWebpRgba, WEBP_MAX_SIDE } from '../image/webp.js';
import { writeFileAtomic } from '../node/files.js';
import { availableMemory } from '../node/memory.js';
import { PngFileWriter } from '../node/png-writer.js';
import { planTiles } from '../resshift/tiling.js';
import { memoryProblem } from '../resshift/upscale-memory.js';
import { SCALE, upscaleRows, type Rgb8Image } from '../resshift/upscale.js';
import { InputError, intOption } from './common.js';
import { describeModel } from './model-source.js';
import { checkOutputFile, emitEvent, prepareOutputDir, runCommand, sameFile } from './outputs.js';
import { err, out as print } from './printable.js';
import { progressBar } from './progress.js';
import { addSamplingOptions, parseFlags, setUpSampling, type SamplingFlags, type SamplingSetup } from './sampling.js';

// `upscale IN... [-o OUT]`. One input file: -o names the output file (default IN_x4.png beside
// it). Several inputs or a folder: -o names a folder (created when missing), each image becomes
// OUT/<name>_x4.<ext>; without -o, a file's output goes beside it and a folder's into
// <folder>_x4/. The format follows the output name's extension (.png, .jpg/.jpeg, .webp) or
// --format. A bad image in a batch is reported and the rest go on; a failure of the model or the
// machine stops the batch (the next images would fail alike). Exit 0 when every image was
// written, 2 when some were refused as bad input, 1 when the work itself failed.

interface UpscaleFlags extends SamplingFlags {
  output?: string;
  format?: string;
  quality?: string;
}

interface Job {
  input: string;
  output: string;
}

/** photo.jpg -> photo_x4.png beside it, so `resshift-ts upscale photo.jpg` just works. */
export function defaultOutputPath(input: string, format: OutputFormat = 'png'): string {
  return join(dirname(input), outputName(input, format));
}

/** The name an input's output gets: its stem, `_x4`, the format's extension. */
function outputName(input: string, format: OutputFormat): string {
  return `${basename(input, extname(input))}_x4${FORMAT_EXTENSION[format]}`;
}

function formatOption(v: string | undefined): OutputFormat | undefined {
  if (v === undefined) return undefined;
  const f = v.toLowerCase() === 'jpg' ? 'jpeg' : v.toLowerCase();
  if (f !== 'png' && f !== 'jpeg' && f !== 'webp') throw new InputError(`--format must be png, jpeg or webp, got ${v}`);
  return f;
}

const codeOf = (e: unknown) => (e as { code?: string }).code;

/** Every input argument as image files (a folder's PNG, JPEG and WebP files, by name), each file once. */
async function expandInputs(args: string[]): Promise<{ files: { path: string; folder?: string }[]; batch: boolean }> {
  const files: { path: string; folder?: string }[] = [];
  let folders = 0;
  for (const arg of args) {
    const st = await stat(arg).catch((e: unknown) => {
      throw new InputError(codeOf(e) === 'ENOENT' ? `${arg}: no such file or folder` : `${arg}: cannot read (${(e as Error).message.split('\n')[0]})`);
    });
    if (!st.isDirectory()) {
      files.push({ path: arg });
      continue;
    }
    folders++;
    try {
      for (const path of await listImages(arg)) files.push({ path, folder: arg });
    } catch (e) {
      throw new InputError((e as Error).message);
    }
  }
  // the same file named twice (or through a link) is upscaled once
  const unique: typeof files = [];
  for (const f of files) if (!(await someSame(unique.map((u) => u.path), f.path))) unique.push(f);
  return { files: unique, batch: args.length > 1 || folders > 0 };
}

async function someSame(paths: string[], path: string): Promise<boolean> {
  for (const p of paths) if (p === path || (await sameFile(p, path))) return true;
  return false;
}

/** Where each input goes, checked (and output folders created) before any work. */
async function planJobs(args: string[], f: UpscaleFlags): Promise<{ jobs: Job[]; format: OutputFormat; batch: boolean }> {
  const { files, batch } = await expandInputs(args);
  const inputs = files.map((x) => x.path);
  const asked = formatOption(f.format);
  let jobs: Job[];
  let format: OutputFormat;
  // `-o out/` (an existing folder, or a name ending in a slash) takes the output under its own name
  const outputIsFolder = f.output !== undefined && (/[\\/]$/.test(f.output) || (await stat(f.output).then((st) => st.isDirectory(), () => false)));
  if (!batch && !outputIsFolder) {
    const named = f.output === undefined ? undefined : formatOfName(f.output);
    if (f.output !== undefined && !named && !asked) throw new InputError(`${f.output}: unknown image format; name the output .png, .jpg, .jpeg or .webp, or give --format`);
    if (named && asked && named !== asked) throw new InputError(`--format ${asked} contradicts the output name ${f.output}`);
    format = asked ?? named ?? 'png';
    jobs = [{ input: inputs[0], output: f.output ?? defaultOutputPath(inputs[0], format) }];
  } else {
    format = asked ?? 'png';
    const o = f.output;
    if (o !== undefined) {
      const st = await stat(o).catch(() => null);
      if (st && !st.isDirectory()) throw new InputError(`${o}: is a file; with several inputs or a folder, -o names a folder`);
      if (!st && formatOfName(o) && !/[\\/]$/.test(o)) throw new InputError(`${o}: with several inputs or a folder, -o names a folder, and this looks like an image file name; give a folder (end it with / to use this name)`);
      for (const folder of new Set(files.map((x) => x.folder).filter((x) => x !== undefined))) {
        if (await sameFile(o, folder)) throw new InputError(`${o}: is the input folder ${folder}; outputs there would be upscaled again by the next run of it; choose another -o`);
      }
    }
    const folderOut = (folder: string) => {
      // photos/ -> photos_x4; `.` or `..` by their real names, not a hidden `._x4`
      const n = normalize(folder).replace(/[\\/]+$/, '');
      return `${['', '.', '..'].includes(basename(n)) ? resolve(n) : n}_x4`;
    };
    jobs = files.map(({ path, folder }) => ({
      input: path,
      output: o !== undefined ? join(o, outputName(path, format)) : folder !== undefined ? join(folderOut(folder), outputName(path, format)) : defaultOutputPath(path, format),
    }));
    // a.jpg and a.png would both make a_x4.png: refused, rather than one silently replacing the other
    const seen = new Map<string, string>();
    for (const j of jobs) {
      const other = seen.get(j.output);
      if (other !== undefined) throw new InputError(`${other} and ${j.input} would both be written to ${j.output}; upscale one of them separately (with its own -o)`);
      seen.set(j.output, j.input);
    }
    // the output folders are made once the plan holds together
    if (o !== undefined) await prepareOutputDir(o);
    else for (const folder of new Set(files.map((x) => x.folder).filter((x) => x !== undefined))) await prepareOutputDir(folderOut(folder));
  }
  // never an input overwritten, and every output writable, before the long work
  for (const j of jobs) await checkOutputFile(j.output, inputs);
  return { jobs, format, batch };
}

/** The decoded input as 8-bit RGB; problems are InputErrors naming the file. */
async function readInput(input: string): Promise<{ lr: Rgb8Image; warnings: string[] }> {
  let decoded: DecodedImage | undefined;
  try {
    decoded = await readImageFile(input);
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  for (const w of decoded.warnings) err(`resshift-ts upscale: warning: ${w}`);
  // the 8-bit source is all the work reads; the float image is let go before it starts
  return { lr: { width: decoded.image.width, height: decoded.image.height, data: toRgb8(decoded.image) }, warnings: decoded.warnings };
}

/**
 * Refuses what cannot fit before the work starts: wasm keeps one tile's tensors in 4 GiB of
 * linear memory, the gpu backend a tensor in one buffer or texture of its device.
 */
function checkFits(input: string, lr: Rgb8Image, s: SamplingSetup, format: OutputFormat): void {
  const paramBytes = s.model.parameters().reduce((n, p) => n + 4 * p.size, 0);
  const budget = {
    available: availableMemory(),
    tensorLimit: s.backend === 'wasm' ? WASM32_MAX_PAGES * PAGE - paramBytes : undefined,
    elementLimit: getBackend(s.backend).maxElements,
  };
  const problem = memoryProblem(lr.width, lr.height, s.tile, s.overlap, s.model.config, budget);
  if (problem) throw new InputError(`${input}: ${problem}`);
  const [W, H] = [lr.width * SCALE, lr.height * SCALE];
  const max = format === 'webp' ? WEBP_MAX_SIDE : format === 'jpeg' ? JPEG_MAX_SIDE : Infinity;
  if (W > max || H > max) throw new InputError(`${input}: the ${W}x${H} output is over ${format === 'webp' ? 'WebP' : 'JPEG'}'s ${max} pixels a side; write PNG instead`);
  // JPEG and WebP are encoded from the whole image: RGBA (4 bytes a pixel) and the encoder's copy
  if (format !== 'png' && 8 * W * H > budget.available) {
    throw new InputError(`${input}: encoding the ${W}x${H} output as ${format.toUpperCase()} needs about ${((8 * W * H) / 2 ** 20).toFixed(0)} MiB, more than the ${(budget.available / 2 ** 20).toFixed(0)} MiB available; write PNG (streamed, a few rows in memory)`);
  }
}

/** One image: x4 and written. PNG streams row by row; JPEG and WebP gather the RGBA image first. */
async function upscaleOne(job: Job, lr: Rgb8Image, s: SamplingSetup, o: { format: OutputFormat; quality: number; json: boolean; label: string; batch: boolean }): Promise<{ seconds: number; tiles: number }> {
  const [W, H] = [lr.width * SCALE, lr.height * SCALE];
  const tiles = planTiles(H, W, s).tiles.length;
  const bar = progressBar(tiles * s.steps, 'tile-steps', { json: o.json, label: o.label, command: 'upscale' });
  const start = performance.now();
  let png: PngFileWriter | undefined;
  // an interrupt removes the PNG's temporary file (after the current tile); JPEG and WebP have none yet
  const onSignal = () => {
    bar.stop();
    png?.discardSync();
    process.exit(130);
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    const onProgress = (done: number) => {
      const tile = Math.min(tiles, Math.floor((done - 1) / s.steps) + 1);
      // the input is named in events and in a batch; one image's bar needs only the tile
      bar.update(done, o.json || o.batch ? { input: job.input, tile: `${tile}/${tiles}` } : { tile: `${tile}/${tiles}` }, done % s.steps === 0);
    };
    if (o.format === 'png') {
      png = await PngFileWriter.create(job.output, W, H);
      const sink = png;
      await upscaleRows(s.model, lr, { ...s, onProgress }, (_, row) => sink.writeRow(row));
      await png.close();
    } else {
      const rgba = new Uint8Array(W * H * 4);
      await upscaleRows(s.model, lr, { ...s, onProgress }, (y, row) => {
        for (let x = 0, at = y * W * 4; x < W; x++, at += 4) {
          rgba[at] = row[3 * x];
          rgba[at + 1] = row[3 * x + 1];
          rgba[at + 2] = row[3 * x + 2];
          rgba[at + 3] = 255;
        }
      });
      const bytes = o.format === 'jpeg' ? encodeJpegRgba(rgba, W, H, o.quality) : await encodeWebpRgba(rgba, W, H, o.quality);
      await writeFileAtomic(job.output, bytes);
    }
  } catch (e) {
    await png?.abort();
    throw e;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    bar.stop();
  }
  return { seconds: (performance.now() - start) / 1000, tiles };
}

async function upscale(args: string[], f: UpscaleFlags): Promise<void> {
  const json = f.json ?? false;
  parseFlags(f);
  const quality = f.quality === undefined ? DEFAULT_QUALITY : intOption('quality', f.quality, 1, 100);
  const { jobs, format, batch } = await planJobs(args, f);
  if (f.quality !== undefined && format === 'png') throw new InputError('--quality applies to JPEG and WebP output; PNG is lossless');
  // one input: every problem with it surfaces before the model loads and the long work starts
  const first = batch ? undefined : await readInput(jobs[0].input);
  const s = await setUpSampling(f);
  try {
    const model = { path: s.path, source: s.source, epoch: s.trained?.epoch ?? null, step: s.trained?.step ?? null };
    for (const n of s.notes ?? []) {
      if (json) emitEvent('note', { command: 'upscale', message: n });
      else err(`resshift-ts upscale: note: ${n}`);
    }
    if (json) emitEvent('start', { command: 'upscale', images: jobs.length, model, backend: s.backend, steps: s.steps, tile: s.tile, overlap: s.overlap, seed: s.seed, format, quality: format === 'png' ? null : quality });
    const written: Record<string, unknown>[] = [];
    const failed: { input: string; message: string; exitCode: number }[] = [];
    for (const [i, job] of jobs.entries()) {
      let input: { lr: Rgb8Image; warnings: string[] };
      try {
        input = first ?? (await readInput(job.input));
        checkFits(job.input, input.lr, s, format);
      } catch (e) {
        if (!batch || !(e instanceof InputError)) throw e;
        // a bad image in a batch: reported, and the others go on
        failed.push({ input: job.input, message: e.message, exitCode: 2 });
        if (json) emitEvent('failed', { command: 'upscale', input: job.input, message: e.message, exitCode: 2 });
        else err(`resshift-ts upscale: ${e.message}`);
        continue;
      }
      const { lr, warnings } = input;
      const label = batch ? `upscale ${i + 1}/${jobs.length}` : 'upscale';
      let r: { seconds: number; tiles: number };
      try {
        r = await upscaleOne(job, lr, s, { format, quality, json, label, batch });
      } catch (e) {
        if (!batch) throw e;
        // the model or the machine failed: the images after it would fail the same way
        const message = `${job.input}: ${(e as Error).message}`;
        failed.push({ input: job.input, message, exitCode: 1 });
        if (json) emitEvent('failed', { command: 'upscale', input: job.input, message, exitCode: 1 });
        else err(`resshift-ts upscale: ${message}; stopping (${jobs.length - i - 1} image${jobs.length - i - 1 === 1 ? '' : 's'} not done)`);
        break;
      }
      const [W, H] = [lr.width * SCALE, lr.height * SCALE];
      const report = {
        input: job.input, output: job.output, format, checkpoint: s.path, model: s.source, modelEpoch: model.epoch, modelStep: model.step, backend: s.backend,
        inputSize: [lr.width, lr.height], outputSize: [W, H],
        tile: s.tile, overlap: s.overlap, tiles: r.tiles, steps: s.steps, seed: s.seed,
        seconds: r.seconds, secondsPerTileStep: r.seconds / (r.tiles * s.steps), warnings,
      };
      written.push(report);
      if (json) emitEvent('written', { command: 'upscale', ...report });
      else {
        print(`wrote ${job.output}: ${W}x${H} from ${lr.width}x${lr.height}; ${r.tiles} tile${r.tiles > 1 ? 's' : ''} x ${s.steps} steps in ${r.seconds.toFixed(1)} s (${report.secondsPerTileStep.toFixed(3)} s per tile-step) on ${s.backend}, model ${describeModel(s)}`);
      }
    }
    if (json) emitEvent('done', { command: 'upscale', written: written.length, failed, model });
    else if (batch) print(`upscaled ${written.length} of ${jobs.length} image${jobs.length === 1 ? '' : 's'}${failed.length ? `; ${failed.length} failed: ${failed.map((x) => x.input).join(', ')}` : ''}`);
    if (failed.length) process.exitCode = failed.some((x) => x.exitCode === 1) ? 1 : 2;
  } finally {
    s.model.dispose();
  }
}

/** `resshift-ts upscale IN... [-o OUT]`: x4 super-resolution, tile by tile. */
export function addUpscaleCommand(program: Command): void {
  const cmd = program
    .command('upscale')
    .description('x4 super-resolution of PNG, JPEG or WebP images (files or folders); writes images 4 times larger (atomically)')
    .argument('<inputs...>', 'images or folders of images (PNG, JPEG, WebP; alpha is dropped with a warning; JPEG EXIF orientation is applied)')
    .option('-o, --output <path>', 'one input: the file to write (default <input>_x4.png beside it); several inputs or a folder: the folder to write into (default: beside each file, <folder>_x4 for a folder)')
    .option('--format <f>', 'png, jpeg or webp (default: the output name\'s extension, else png)')
    .option('--quality <q>', `JPEG or WebP quality, 1 to 100 (default ${DEFAULT_QUALITY})`)
    .addHelpText('after', '\nExit status: 0 all written, 1 failure, 2 bad input (image, output path, checkpoint or option). In a batch a bad image is reported and the others go on; a failure of the model stops it.');
  addSamplingOptions(cmd).action((inputs: string[], f: UpscaleFlags) => runCommand('upscale', () => upscale(inputs, f), { json: f.json }));
}
