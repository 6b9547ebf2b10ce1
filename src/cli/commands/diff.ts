import type { Command } from 'commander';
import { diffAudits, validateSavedAudit, type AuditDiff, type SavedAudit } from '../../audit/diff.js';
import { renderDiffMarkdown } from '../../audit/diff-markdown.js';
import { ExitError } from '../../errors.js';
import { readJsonFile } from '../../files.js';
import { createOutput, printJson, type Output } from '../output.js';

export interface DiffOptions {
  json?: boolean;
  failOnRegression?: boolean;
  cwd?: string;
}

async function readSavedAudit(file: string, cwd: string): Promise<SavedAudit> {
  return validateSavedAudit(await readJsonFile(file, 'audit report', cwd), file);
}

/** Diff two saved audits, print markdown or JSON; exit 1 on a lost arm64 when asked. */
export async function runDiff(oldFile: string, newFile: string, opts: DiffOptions, output: Output): Promise<AuditDiff> {
  const cwd = opts.cwd ?? process.cwd();
  const diff = diffAudits(await readSavedAudit(oldFile, cwd), await readSavedAudit(newFile, cwd));
  if (opts.json) printJson(output, diff);
  else output.out(renderDiffMarkdown(diff));
  if (opts.failOnRegression && diff.regressions.length > 0) {
    const refs = diff.regressions.map((r) => r.ref).join(', ');
    throw new ExitError(1, `${diff.regressions.length} image(s) lost arm64: ${refs}`);
  }
  return diff;
}

export function registerDiff(program: Command): void {
  program
    .command('diff')
    .description('what changed between two audits (audit --json output or matrix/support.json)')
    .argument('<old>', 'the earlier audit, e.g. a saved matrix/support.json')
    .argument('<new>', 'the later audit')
    .option('--json', 'print the changes as JSON instead of markdown')
    .option('--fail-on-regression', 'exit 1 when an image that offered arm64 (itself or by an alternative) offers neither now')
    .action(async (oldFile: string, newFile: string, opts: DiffOptions) => {
      await runDiff(oldFile, newFile, opts, createOutput());
    });
}
