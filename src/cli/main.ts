import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { addBenchCommand } from './bench.js';
import { addConvertCommand } from './convert.js';
import { addEvalCommand } from './eval.js';
import { addExportOnnxCommand } from './export-onnx.js';
import { addGoldenCommand } from './golden.js';
import { addTrainCommand } from './train.js';
import { emitEvent } from './outputs.js';
import { err, printableLines } from './printable.js';
import { addUpscaleCommand } from './upscale.js';

/** The installed package's version: package.json sits two folders up from both src/cli and dist/cli. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** Exit codes: 0 success, 1 failure of the work itself, 2 bad usage or input, 130 interrupted. */
export async function main(argv: string[]): Promise<void> {
  // `resshift-ts ... | head` closes stdout early; that is not an error
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  const program = new Command()
    .name('resshift-ts')
    .description('ResShift x4 diffusion super-resolution on a pure-TypeScript tensor engine')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .exitOverride()
    .showHelpAfterError()
    // usage errors quote what was typed (an unknown option, an excess argument): printed safely
    .configureOutput({
      writeOut: (s) => process.stdout.write(printableLines(s)),
      writeErr: (s) => process.stderr.write(printableLines(s)),
    });
  addUpscaleCommand(program);
  addTrainCommand(program);
  addEvalCommand(program);
  addGoldenCommand(program);
  addBenchCommand(program);
  addConvertCommand(program);
  addExportOnnxCommand(program);
  // --json asks for JSON on stdout, errors included (the usage text still goes to stderr)
  const json = argv.slice(2).includes('--json');
  const command = argv.slice(2).find((a) => !a.startsWith('-')) ?? '';
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode === 0 ? 0 : 2;
      if (json && e.exitCode !== 0) emitEvent('error', { command, message: e.message.replace(/^error: /, ''), exitCode: 2 });
      return;
    }
    if (json) emitEvent('error', { command, message: e instanceof Error ? e.message : String(e), exitCode: 1 });
    // a failure no command anticipated: still one line, and its text may quote a file name
    err(`resshift-ts: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  }
}
