import type { Command } from 'commander';

/** Placeholder until the command lands; see issue 4. */
export function addBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('not available yet')
    .action(() => {
      console.error('resshift-ts: bench is not available yet (npm run bench in a checkout)');
      process.exitCode = 1;
    });
}
