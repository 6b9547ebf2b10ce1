/** `ampere-images rewrite`: point manifests at the mirror recorded in a lock file. */
import type { Command } from 'commander';
import { ExitError, InputError } from '../../errors.js';
import { DEFAULT_LOCK } from '../../lock.js';
import { rewriteManifests, type RewriteReport } from '../../manifests/rewrite-tree.js';
import { createOutput, printJson, type Output } from '../output.js';

export interface RewriteCommandOptions {
  lock?: string;
  manifests?: string;
  out?: string;
  inPlace?: boolean;
  pin?: boolean;
  kustomize?: boolean;
  allowMissing?: boolean;
  json?: boolean;
  quiet?: boolean;
  cwd?: string;
}

export async function rewrite(opts: RewriteCommandOptions, output: Output): Promise<RewriteReport> {
  if (opts.manifests === undefined) throw new InputError('--manifests is required');
  const lock = opts.lock ?? DEFAULT_LOCK;
  const { manifests, out, inPlace, pin, kustomize } = opts;
  const report = await rewriteManifests({ lock, manifests, out, inPlace, pin, kustomize, cwd: opts.cwd ?? process.cwd() });
  if (opts.json) printJson(output, report);
  else render(report, output);
  if (report.missing.length > 0 && !opts.allowMissing) {
    throw new ExitError(1, `${report.missing.length} image(s) have no entry in ${lock}; they still point upstream (--allow-missing accepts that)`);
  }
  return report;
}

function render(report: RewriteReport, output: Output): void {
  for (const r of report.rewritten) output.info(`${r.location}: ${r.from} -> ${r.to}${r.via === 'kustomization' ? ' (kustomization images:)' : ''}`);
  for (const m of report.missing) output.warn(`missing from the lock: ${m.ref}\n  ${m.locations.join('\n  ')}`);
  for (const bad of report.invalid) output.warn(`not an image reference: ${bad.location}: ${bad.value}: ${bad.error}`);
  for (const note of report.notes) output.warn(`note: ${note}`);
  const k = report.kustomization;
  if (k) output.out(`${k.file}: ${k.entries.length} images: entr${k.entries.length === 1 ? 'y' : 'ies'} added`);
  const inFiles = report.rewritten.filter((r) => r.via === 'file').length;
  output.out(`${report.changed.length} file(s) changed, ${report.rewritten.length} reference(s) rewritten (${inFiles} in files), ${report.missing.length} missing`);
}

export function registerRewrite(program: Command): void {
  program
    .command('rewrite')
    .description('point manifests at the mirror recorded in the lock file')
    .option('--lock <file>', 'mirror lock file', DEFAULT_LOCK)
    .option('--manifests <path>', 'folder (or file) of manifests to rewrite')
    .option('--out <dir>', 'write the rewritten copy here')
    .option('--in-place', 'change the manifests themselves instead of writing a copy')
    .option('--pin', 'append @sha256: of the mirrored index to every reference')
    .option('--kustomize', 'use kustomization.yaml images: entries where kustomize reaches; rewrite the rest in the files')
    .option('--allow-missing', 'exit 0 even when references have no lock entry')
    .option('--json', 'print the report as JSON')
    .option('--quiet', 'no per-reference lines')
    .action(async (opts: RewriteCommandOptions) => {
      await rewrite(opts, createOutput(opts));
    });
}
