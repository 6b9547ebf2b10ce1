import type { Command } from 'commander';

// Placeholder until the mirror command lands; its owner replaces this file.
export function registerMirror(program: Command): void {
  program.command('mirror').description('(not built yet)');
}
