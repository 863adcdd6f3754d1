import type { Command } from 'commander';
import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import { ONNX_INPUTS, ONNX_OUTPUT, unetToOnnx } from '../interop/onnx-unet.js';
import { OPSET } from '../interop/onnx.js';
import { writeFileAtomic } from '../node/files.js';
import { CheckpointFileError, modelFromCheckpointFile, readCheckpointFile } from '../resshift/checkpoint-files.js';
import { InputError } from './common.js';
import { checkOutputFile, runCommand, toJson } from './outputs.js';

interface ExportFlags {
  json?: boolean;
}

/** Whether the file starts like a zip archive (what torch.save writes). */
async function isZip(path: string): Promise<boolean> {
  const fh = await open(path, 'r').catch(() => null);
  if (!fh) return false;
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(4), 0, 4, 0);
    return bytesRead === 4 && buffer.readUInt32LE(0) === 0x04034b50;
  } finally {
    await fh.close();
  }
}

async function exportOnnx(input: string, output: string, f: ExportFlags): Promise<void> {
  await checkOutputFile(output, [input]);
  let ck, model;
  try {
    ck = await readCheckpointFile(input);
    // loading validates the state dict (names, shapes, Haar buffers) before anything is written
    model = modelFromCheckpointFile(input, ck);
  } catch (e) {
    if (!(e instanceof CheckpointFileError)) throw e;
    if (await isZip(input)) throw new InputError(`${input}: is a PyTorch checkpoint, not a model file; convert it first with \`resshift-ts convert ${input} model.safetensors\``);
    throw new InputError(e.message);
  }
  let bytes: Uint8Array;
  try {
    const state = new Map(model.stateDict().map(([n, t]) => [n, { shape: [...t.shape], data: Float32Array.from(t.dataSync()) }]));
    bytes = unetToOnnx(state, model.config, { metadata: { 'resshift.diffusion': JSON.stringify(ck.meta.diffusion) } });
  } finally {
    model.dispose();
  }
  if (extname(output).toLowerCase() !== '.onnx') console.error(`resshift-ts export-onnx: warning: ${output} will hold an ONNX model whatever its extension`);
  await writeFileAtomic(output, bytes);
  const report = { input, output, opset: OPSET, bytes: bytes.length, inputs: [...ONNX_INPUTS], output_name: ONNX_OUTPUT, model: ck.meta.model, diffusion: ck.meta.diffusion };
  if (f.json) console.log(toJson(report));
  else {
    const { baseChannels, inChannels } = ck.meta.model;
    console.log(
      `wrote ${output}: ONNX opset ${OPSET}, ${bytes.length} bytes; inputs xt [B,3,H,W], y0_aug [B,${inChannels - 3},H,W], t [B] -> ${ONNX_OUTPUT} [B,3,H,W] (B, H, W dynamic; H, W multiples of 8); width ${baseChannels}`,
    );
  }
}

/** `resshift-ts export-onnx IN.safetensors OUT.onnx`: the UNet as an ONNX graph for native runtimes. */
export function addExportOnnxCommand(program: Command): void {
  program
    .command('export-onnx')
    .description('write the model\'s UNet as an ONNX graph (opset 17, standard ops) for onnxruntime and other native runtimes')
    .argument('<input>', 'model file (.safetensors: ours, a converted one, or a PyTorch state dict saved as safetensors)')
    .argument('<output>', 'ONNX file to write (atomically; never the input)')
    .option('--json', 'print one JSON object instead of text')
    .addHelpText(
      'after',
      `\nThe graph maps xt [B,3,H,W], y0_aug [B,28,H,W] (y0, its Fourier position encoding and local amplitude) and float timesteps t [B] to the predicted residual (pred_x0 = y0 + residual); batch, height and width are dynamic (H, W multiples of 8). The diffusion settings ride in the metadata_props; the sampler loop stays outside the graph.\nExit status: 0 done, 1 failure, 2 bad input (model file or output path).`,
    )
    .action((input: string, output: string, f: ExportFlags) => runCommand('export-onnx', () => exportOnnx(input, output, f)));
}
