import type { Command } from 'commander';

/** Placeholder until the command lands; see issue 3. */
export function addTrainCommand(program: Command): void {
  program
    .command('train')
    .description('not available yet')
    .action(() => {
      console.error('resshift-ts: train is not available yet');
      process.exitCode = 1;
    });
}
