import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { stateDictToModelFile } from '../interop/convert.js';
import { readTorchCheckpoint } from '../interop/torch-checkpoint.js';
import { writeFileAtomic } from '../node/files.js';
import { InputError } from './common.js';
import { checkOutputFile, runCommand, toJson } from './outputs.js';

interface ConvertFlags {
  key?: string;
  json?: boolean;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

async function readInput(path: string): Promise<Uint8Array> {
  try {
    const b = await readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') throw new InputError(`${path}: no such file`);
    if (code === 'EISDIR') throw new InputError(`${path}: is a folder, not a checkpoint file`);
    throw new InputError(`${path}: cannot read it (${firstLine(e)})`);
  }
}

// node:zlib inflates the deflated zip entries other writers than torch.save may produce; the
// output is capped at the size the entry declares, so a zip bomb stops there.
const inflate = (data: Uint8Array, maxSize: number) => inflateRawSync(data, { maxOutputLength: Math.max(1, maxSize) });

async function convert(input: string, output: string, f: ConvertFlags): Promise<void> {
  await checkOutputFile(output, [input]);
  const bytes = await readInput(input);
  let sd;
  try {
    sd = readTorchCheckpoint(bytes, { key: f.key, inflate });
  } catch (e) {
    throw new InputError(`${input}: ${firstLine(e)}`);
  }
  let model;
  try {
    model = stateDictToModelFile(sd.tensors);
  } catch (e) {
    const msg = firstLine(e).replace(/^(checkpoint|state dict|safetensors): /, '');
    throw new InputError(`${input}: ${msg.startsWith('not a DualDomainUNet') ? msg : `not a DualDomainUNet state dict (${msg})`}`);
  }
  if (extname(output).toLowerCase() !== '.safetensors') console.error(`resshift-ts convert: warning: ${output} will hold safetensors data whatever its extension`);
  await writeFileAtomic(output, model.bytes);
  const report = {
    input, output, key: sd.key, skipped: sd.skipped, numbers: sd.numbers, converted: sd.converted, strippedPrefix: model.strippedPrefix, restoredHaar: model.restoredHaar,
    tensors: model.tensors, parameters: model.parameters, model: model.config,
  };
  if (f.json) {
    console.log(toJson(report));
    return;
  }
  const { baseChannels, inChannels, timeDim } = model.config;
  const notes = [
    sd.key !== null ? `state dict from '${sd.key}'` : '',
    sd.skipped.length ? `skipped ${sd.skipped.map((k) => (k in sd.numbers ? `${k} ${sd.numbers[k]}` : k)).join(', ')}` : '',
    sd.converted.length ? `${sd.converted.join(', ')} converted to float32` : '',
    model.strippedPrefix ? `'${model.strippedPrefix}' prefix removed from the keys` : '',
    model.restoredHaar ? `${model.restoredHaar} Haar filter buffers restored to float32 from reduced precision` : '',
  ].filter(Boolean);
  console.log(
    `wrote ${output}: DualDomainUNet width ${baseChannels}, ${inChannels} input channels, time dim ${timeDim}; ${model.tensors} tensors, ${model.parameters} parameters${notes.length ? `; ${notes.join('; ')}` : ''}`,
  );
}

/** `resshift-ts convert IN.pt OUT.safetensors`: a PyTorch checkpoint of the reference model to our model file. */
export function addConvertCommand(program: Command): void {
  program
    .command('convert')
    .description('convert a checkpoint saved by the reference PyTorch notebook (torch.save of the state dict, or of a dict holding it under "model") into a model file for --checkpoint; nothing in the file is executed')
    .argument('<input>', 'PyTorch checkpoint (.pt / .pth, the zip format of torch.save)')
    .argument('<output>', 'model file to write (.safetensors, atomically; never the input)')
    .option('--key <name>', 'top-level key of the dict that holds the model state dict (default: the file itself, else "model", "model_state_dict" or "state_dict")')
    .option('--json', 'print one JSON object instead of text')
    .addHelpText(
      'after',
      '\nOnly plain data and tensors are read (float32, float16, bfloat16, float64; all stored as float32); a pickled module object, a TorchScript archive or the legacy pre-1.6 format is refused.\nExit status: 0 done, 1 failure, 2 bad input (checkpoint, key or output path).',
    )
    .action((input: string, output: string, f: ConvertFlags) => runCommand('convert', () => convert(input, output, f)));
}
