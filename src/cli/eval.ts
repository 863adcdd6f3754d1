import type { Command } from 'commander';
import { basename, extname, join } from 'node:path';
import { encodePng } from '../image/encode.js';
import { listImages, readImageFile } from '../image/files.js';
import type { RgbImage } from '../image/types.js';
import { cutTile, texturedTiles } from '../resshift/eval-tiles.js';
import { evaluateModel, MIN_HR_SIDE, prepareHr, type EvaluateResult, type MetricTriple } from '../resshift/evaluate.js';
import { tileSteps } from '../resshift/upscale.js';
import { writeFileAtomic } from '../node/files.js';
import { InputError, positiveInt } from './common.js';
import { checkOutputFile, emitEvent, prepareOutputDir, runCommand } from './outputs.js';
import { describeModel } from './model-source.js';
import { panelNames } from './panel-names.js';
import { err, out, printable } from './printable.js';
import { progressBar } from './progress.js';
import { addSamplingOptions, parseFlags, setUpSampling, type SamplingFlags } from './sampling.js';

interface EvalFlags extends SamplingFlags {
  data: string;
  crop?: string;
  textured?: string;
  out?: string;
}

/** With `textured`, each image gives its `textured` most textured crop x crop tiles, named `stem@x,y.ext`. */
async function readAll(dir: string, crop: number | undefined, textured?: number): Promise<{ name: string; path: string; image: RgbImage }[]> {
  let paths: string[];
  try {
    paths = await listImages(dir);
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  const images = [];
  for (const p of paths) {
    try {
      const { image, warnings } = await readImageFile(p);
      for (const w of warnings) err(`resshift-ts eval: warning: ${w}`);
      // keep only what is scored, so a folder of large photos with --crop stays small
      if (textured !== undefined && crop !== undefined) {
        const tiles = texturedTiles(image, crop, textured);
        if (!tiles.length) throw new Error(`${p}: ${image.width}x${image.height} holds no ${crop}x${crop} tile`);
        for (const t of tiles) images.push({ name: `${basename(p, extname(p))}@${t.x},${t.y}${extname(p)}`, path: p, image: prepareHr(cutTile(image, t, crop), undefined, p) });
      } else {
        images.push({ name: basename(p), path: p, image: prepareHr(image, crop, p) });
      }
    } catch (e) {
      throw new InputError((e as Error).message);
    }
  }
  return images;
}

const f2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : String(v));
const f4 = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : String(v));
const sign = (s: string) => (s.startsWith('-') ? s : `+${s}`);

/** The text report, one line per element; image names made printable before they are padded. */
function table(r: EvaluateResult): string[] {
  const names = r.images.map((m) => printable(m.name));
  const nameW = Math.max(5, ...names.map((n) => n.length), 'gain (SR - bicubic)'.length - 10);
  const cells = (m: MetricTriple, signed = false) => {
    const s = [f2(m.psnr), f4(m.ssim), f2(m.psnrY)].map((v) => (signed ? sign(v) : v));
    return `${s[0].padStart(8)} ${s[1].padStart(8)} ${s[2].padStart(8)}`;
  };
  const lines = [
    `${''.padEnd(nameW)} ${''.padEnd(9)} ${'bicubic'.padStart(17).padEnd(26)}   ${'SR'.padStart(14).padEnd(26)}`,
    `${'image'.padEnd(nameW)} ${'size'.padEnd(9)} ${'PSNR'.padStart(8)} ${'SSIM'.padStart(8)} ${'PSNR-Y'.padStart(8)}   ${'PSNR'.padStart(8)} ${'SSIM'.padStart(8)} ${'PSNR-Y'.padStart(8)}`,
  ];
  for (const [i, m] of r.images.entries()) lines.push(`${names[i].padEnd(nameW)} ${`${m.width}x${m.height}`.padEnd(9)} ${cells(m.bicubic)}   ${cells(m.sr)}`);
  lines.push(`${'mean'.padEnd(nameW)} ${''.padEnd(9)} ${cells(r.mean.bicubic)}   ${cells(r.mean.sr)}`);
  lines.push(`gain (SR - bicubic): PSNR ${sign(f2(r.mean.gain.psnr))} dB, SSIM ${sign(f4(r.mean.gain.ssim))}, PSNR-Y ${sign(f2(r.mean.gain.psnrY))} dB`);
  return lines;
}

async function evaluate(f: EvalFlags): Promise<void> {
  const { tile, overlap } = parseFlags(f);
  const crop = f.crop === undefined ? undefined : positiveInt('crop', f.crop);
  if (crop !== undefined && crop < MIN_HR_SIDE) throw new InputError(`--crop must be at least ${MIN_HR_SIDE}, got ${crop}`);
  const textured = f.textured === undefined ? undefined : positiveInt('textured', f.textured);
  if (textured !== undefined && crop === undefined) throw new InputError('--textured needs --crop (the tile side)');
  // read every image and check the output folder and files before the long work
  const images = await readAll(f.data, crop, textured);
  const panels = f.out === undefined ? [] : panelNames(images.map((m) => m.name)).map((n) => join(f.out!, n));
  if (f.out !== undefined) {
    await prepareOutputDir(f.out, { notInside: { folder: f.data, why: 'the next eval of it would score the comparison panels as data' } });
    for (const p of panels) await checkOutputFile(p, images.map((m) => m.path));
  }
  const s = await setUpSampling(f);
  const total = images.reduce((n, { image }) => n + tileSteps(image.height, image.width, { tile, overlap, schedule: s.schedule, steps: s.steps }), 0);
  if (f.json) emitEvent('start', { command: 'eval', images: images.length, model: { path: s.path, source: s.source, epoch: s.trained?.epoch ?? null, step: s.trained?.step ?? null }, backend: s.backend, steps: s.steps, tile, overlap, seed: s.seed, totalTileSteps: total });
  for (const n of s.notes ?? []) {
    if (f.json) emitEvent('note', { command: 'eval', message: n });
    else err(`resshift-ts eval: note: ${n}`);
  }
  const bar = progressBar(total, 'tile-steps', { json: f.json, label: 'eval', command: 'eval' });
  let done = 0;
  const start = performance.now();
  let r: EvaluateResult;
  let current = '';
  try {
    r = await evaluateModel(s.model, images, {
      ...s,
      comparisons: f.out !== undefined,
      onProgress: (d) => bar.update((done = d), { image: current }),
      onImage: (_m, i, n) => {
        // an image scored: a progress line even between the periodic ones
        bar.update(done, { image: `${i + 1}/${n} scored` }, true);
        current = i + 1 < n ? `${i + 2}/${n}` : '';
      },
    });
  } finally {
    bar.stop();
    s.model.dispose();
  }
  const seconds = (performance.now() - start) / 1000;
  const written: string[] = [];
  for (const [i, c] of (r.comparisons ?? []).entries()) {
    await writeFileAtomic(panels[i], encodePng(c.image));
    written.push(panels[i]);
  }
  if (f.json) {
    emitEvent('done', {
      command: 'eval',
      data: f.data, checkpoint: s.path, model: s.source, backend: s.backend, crop: crop ?? null, textured: textured ?? null, tile, overlap, steps: s.steps, seed: s.seed,
      seconds, images: r.images, mean: r.mean, comparisons: written,
    });
    return;
  }
  for (const line of table(r)) out(line);
  out(`${r.images.length} image${r.images.length > 1 ? 's' : ''}${crop ? (textured ? ` (the ${textured} most textured ${crop}x${crop} tiles of each photograph)` : ` (centre ${crop}x${crop} crops)`) : ''}, ${s.steps} steps, seed ${s.seed}, ${seconds.toFixed(1)} s on ${s.backend}, model ${describeModel(s)}`);
  if (written.length) out(`comparisons (bicubic | SR | HR) in ${f.out}`);
}

/** `resshift-ts eval --data DIR`: SR vs bicubic PSNR / SSIM / PSNR-Y over a folder of HR images. */
export function addEvalCommand(program: Command): void {
  const cmd = program
    .command('eval')
    .description('score the model on a folder of HR images: LR = bicubic x1/4, SR vs bicubic x4, PSNR / SSIM / PSNR-Y (scikit-image conventions)')
    .requiredOption('--data <dir>', 'folder of PNG / JPEG high-resolution images')
    .option('--crop <n>', 'score a centred n x n crop of each image (default: the whole image, trimmed to a multiple of 4)')
    .option('--textured <k>', 'with --crop: score the k most textured crop x crop tiles of each image (highest mean luma gradient, on a grid from the top-left) instead of the centre crop')
    .option('--out <dir>', 'write a bicubic | SR | HR comparison PNG per image here');
  addSamplingOptions(cmd)
    .addHelpText('after', '\nSR is quantised to 8 bits before scoring, as the PNG `upscale` writes.\nExit status: 0 done, 1 failure, 2 bad input (image, folder, checkpoint or option).')
    .action((f: EvalFlags) => runCommand('eval', () => evaluate(f), { json: f.json }));
}
