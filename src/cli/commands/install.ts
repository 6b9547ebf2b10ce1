import type { Command } from 'commander';

// Placeholder until the install command lands; its owner replaces this file.
export function registerInstall(program: Command): void {
  program.command('install').description('(not built yet)');
}
