/**
 * Renderings of an audit: a terminal table (cli-table3), markdown (the same support table the
 * README carries), the `--json` document (DESIGN.md "audit --json") and matrix/support.json.
 */
import Table from 'cli-table3';
import { familiarName, parseReference } from '../reference.js';
import type { ImageReport } from './inspect.js';
import type { SupportRow } from './matrix.js';
import type { AuditReport } from './run.js';

export const ROW_HEADERS = [
  'component', 'container image (name)', 'build support', 'container/artifacts provided',
  'multi-arch container support', 'platforms',
];
const IMAGE_HEADERS = ['image', 'platforms', 'arm64', 'multi-arch', 'status'];

function displayName(ref: string): string {
  try {
    return familiarName(parseReference(ref));
  } catch {
    return ref;
  }
}

function arm64Cell(image: ImageReport): string {
  if (image.status !== 'ok') return '?';
  if (image.arm64) return 'yes';
  return image.arm64Alternative ? `via ${displayName(image.arm64Alternative)}` : 'no';
}

function statusCell(image: ImageReport): string {
  if (image.status !== 'ok') return `${image.status}: ${image.error ?? ''}`.trim();
  return image.note ?? 'ok';
}

function rowCells(row: SupportRow): string[] {
  return [row.component, row.image, row.build, row.provided, row.multiArch, row.platforms.join(', ')];
}

function imageCells(image: ImageReport): string[] {
  const multi = image.status !== 'ok' ? '?' : image.multiArch ? 'yes' : 'no';
  return [displayName(image.ref), image.platforms.join(', '), arm64Cell(image), multi, statusCell(image)];
}

function table(head: string[], rows: string[][]): string {
  const t = new Table({ head, style: { head: [], border: [] } });
  t.push(...rows);
  return t.toString();
}

/** The terminal view: every image, then the support table. */
export function renderTable(report: AuditReport): string {
  const parts = [table(IMAGE_HEADERS, report.images.map(imageCells))];
  if (report.rows.length > 0) parts.push(table(ROW_HEADERS, report.rows.map(rowCells)));
  for (const bad of report.invalid) parts.push(`invalid image reference at ${bad.location}: ${bad.error}`);
  return parts.join('\n');
}

// Cells carry registry error text and refs from manifests: keep them from breaking the table or
// injecting HTML into the rendered README.
const escapeCell = (text: string): string =>
  text.replaceAll('\\', '\\\\').replaceAll('|', '\\|').replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('\n', ' ');

function markdownTable(head: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.map(escapeCell).join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The support table alone: what goes between the README markers. */
export function supportTableMarkdown(rows: SupportRow[]): string {
  return markdownTable(ROW_HEADERS, rows.map(rowCells));
}

export function renderMarkdown(report: AuditReport): string {
  const images = markdownTable(IMAGE_HEADERS, report.images.map(imageCells));
  return `${supportTableMarkdown(report.rows)}\n\n${images}\n`;
}

/**
 * The `--json` document. `generatedAt` is here and only here: the README block and
 * matrix/support.json leave it out so regenerating them from the same facts changes nothing.
 */
export function reportJson(report: AuditReport, now: Date): object {
  return {
    generatedAt: now.toISOString(),
    images: report.images,
    components: report.components,
    rows: report.rows,
    invalid: report.invalid,
  };
}

/** matrix/support.json: rows and per-image facts in a stable order, no timestamps. */
export function supportJson(report: AuditReport): string {
  const images = [...report.images]
    .sort((a, b) => a.ref.localeCompare(b.ref))
    .map((i) => ({
      ref: i.ref, digest: i.digest, platforms: i.platforms, arm64: i.arm64, multiArch: i.multiArch,
      arm64Alternative: i.arm64Alternative, status: i.status, components: i.components,
    }));
  return `${JSON.stringify({ rows: report.rows, components: report.components, images }, null, 2)}\n`;
}
