import type { Command } from 'commander';

// Placeholder until the audit command lands; its owner replaces this file.
export function registerAudit(program: Command): void {
  program.command('audit').description('(not built yet)');
}
