import type { Command } from 'commander';

/** Placeholder until the command lands; see issue 3. */
export function addUpscaleCommand(program: Command): void {
  program
    .command('upscale')
    .description('not available yet')
    .action(() => {
      console.error('resshift-ts: upscale is not available yet');
      process.exitCode = 1;
    });
}
