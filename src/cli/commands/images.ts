import type { Command } from 'commander';

// Placeholder until the images command lands; its owner replaces this file.
export function registerImages(program: Command): void {
  program.command('images').description('(not built yet)');
}
