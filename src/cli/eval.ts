import type { Command } from 'commander';

/** Placeholder until the command lands; see issue 3. */
export function addEvalCommand(program: Command): void {
  program
    .command('eval')
    .description('not available yet')
    .action(() => {
      console.error('resshift-ts: eval is not available yet');
      process.exitCode = 1;
    });
}
