import type { Command } from 'commander';

// Placeholder until the diff command lands; its owner replaces this file.
export function registerDiff(program: Command): void {
  program.command('diff').description('(not built yet)');
}
