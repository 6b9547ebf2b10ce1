/** `ampere-images audit`: options in, one audit, a rendering out (DESIGN.md "Commands"). */
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { createArtifactProbe } from '../../audit/artifacts.js';
import { renderHtml } from '../../audit/html.js';
import { collectTargets } from '../../audit/collect.js';
import { checkReadme, updateReadme } from '../../audit/readme.js';
import { renderMarkdown, renderTable, reportJson, supportJson, supportTableMarkdown } from '../../audit/report.js';
import { runAudit, strictFindings, type AuditReport } from '../../audit/run.js';
import { ExitError, InputError } from '../../errors.js';
import { writeFileAtomic } from '../../files.js';
import { createRegistry } from '../../registry/client.js';
import { createOutput, type Output } from '../output.js';
import { addRegistryOptions, registryOptionsFrom } from '../registry-options.js';
import { addSourceOptions, sourcesOf, userPath, type SourceOptions } from '../sources.js';

const FORMATS = ['table', 'json', 'markdown', 'html'] as const;
type Format = (typeof FORMATS)[number];

export interface AuditCommandOptions extends SourceOptions, Record<string, unknown> {
  json?: boolean;
  format?: string;
  output?: string;
  updateReadme?: string;
  matrix?: string;
  strict?: boolean;
  concurrency?: string;
  quiet?: boolean;
  verbose?: boolean;
}

function formatOf(opts: AuditCommandOptions): Format {
  if (opts.json && opts.format !== undefined && opts.format !== 'json') {
    throw new InputError(`--json conflicts with --format ${opts.format}`);
  }
  const format = opts.json ? 'json' : opts.format ?? 'table';
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new InputError(`--format "${format}": expected one of ${FORMATS.join(', ')}`);
  }
  return format as Format;
}

function render(report: AuditReport, format: Format, now: Date): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(reportJson(report, now), null, 2)}\n`;
    case 'markdown':
      return renderMarkdown(report);
    case 'table':
      return `${renderTable(report)}\n`;
    case 'html':
      return renderHtml(report, { generatedAt: now.toISOString() });
  }
}

function progress(output: Output): ((done: number, total: number, ref: string) => void) | undefined {
  if (!output.interactive) return undefined;
  return (done, total, ref) => {
    process.stderr.write(`\r\x1b[K[${done}/${total}] ${ref}`);
    if (done === total) process.stderr.write('\r\x1b[K');
  };
}

async function writeResults(report: AuditReport, opts: AuditCommandOptions, cwd: string, output: Output): Promise<void> {
  if (opts.updateReadme !== undefined) {
    const changed = await updateReadme(userPath(cwd, opts.updateReadme), supportTableMarkdown(report.rows));
    output.info(`${opts.updateReadme}: ${changed ? 'support table updated' : 'support table unchanged'}`);
  }
  const matrix = opts.matrix ?? (opts.updateReadme !== undefined ? join(dirname(opts.updateReadme), 'matrix', 'support.json') : undefined);
  if (matrix !== undefined) await writeFileAtomic(userPath(cwd, matrix), supportJson(report));
}

export async function audit(opts: AuditCommandOptions, cwd: string): Promise<AuditReport> {
  const output = createOutput(opts);
  const format = formatOf(opts);
  const registryOptions = registryOptionsFrom(opts, output.debug);
  if (opts.updateReadme !== undefined) await checkReadme(userPath(cwd, opts.updateReadme));
  const sources = await sourcesOf(opts, cwd);
  const collection = await collectTargets(sources, cwd);
  const registry = createRegistry(registryOptions);
  let report: AuditReport;
  try {
    const run: Parameters<typeof runAudit>[0] = {
      registry, collection, probe: createArtifactProbe(registryOptions.upstreams ?? {}), onProgress: progress(output),
    };
    if (sources.stack) run.stack = sources.stack;
    // --concurrency bounds both images in flight and the client's requests per host.
    if (registryOptions.concurrency !== undefined) run.concurrency = registryOptions.concurrency;
    report = await runAudit(run);
  } finally {
    await registry.close();
  }
  const text = render(report, format, new Date());
  if (opts.output !== undefined) await writeFileAtomic(userPath(cwd, opts.output), text);
  else output.out(text);
  await writeResults(report, opts, cwd, output);
  if (opts.strict) {
    const findings = strictFindings(report);
    for (const f of findings) output.warn(`strict: ${f}`);
    if (findings.length > 0) throw new ExitError(1, `${findings.length} finding(s) under --strict`);
  }
  return report;
}

export function registerAudit(program: Command): void {
  const cmd = program
    .command('audit')
    .description('inspect each image of the stack and report its linux/arm64 support');
  addSourceOptions(cmd, 'image references to inspect')
    .option('--json', 'print the JSON report (same as --format json)')
    .option('--format <format>', `output format: ${FORMATS.join(', ')}`)
    .option('--output <file>', 'write the rendering to a file (atomically) instead of stdout')
    .option('--update-readme <file>', 'replace the support table between the ampere-images:matrix markers (also writes matrix/support.json beside it)')
    .option('--matrix <file>', 'write the support matrix JSON to this file')
    .option('--strict', 'exit 1 when an image lacks linux/arm64 (and any alternate) or could not be inspected')
    .option('--quiet', 'no progress or diagnostics')
    .option('--verbose', 'log registry requests');
  addRegistryOptions(cmd);
  cmd.action(async (opts: AuditCommandOptions) => {
    await audit(opts, process.cwd());
  });
}
