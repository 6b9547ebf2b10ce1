import type { Command } from 'commander';

// Placeholder until the rewrite command lands; its owner replaces this file.
export function registerRewrite(program: Command): void {
  program.command('rewrite').description('(not built yet)');
}
