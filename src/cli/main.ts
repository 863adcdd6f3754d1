import { Command, CommanderError } from 'commander';
import { addGoldenCommand } from './golden.js';

/** Exit codes: 0 success, 1 failure of the work itself, 2 bad usage or input. */
export async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name('resshift-ts')
    .description('ResShift x4 diffusion super-resolution on a pure-TypeScript tensor engine')
    .exitOverride()
    .showHelpAfterError();
  addGoldenCommand(program);
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode === 0 ? 0 : 2;
      return;
    }
    throw e;
  }
}
