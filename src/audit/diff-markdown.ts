/**
 * An audit diff as GitHub-flavoured markdown: for the terminal, $GITHUB_STEP_SUMMARY and the body
 * of the scheduled job's pull request. Values come from registries and manifests, so every cell
 * is escaped: no markdown, HTML or table breaks can be injected.
 */
import { arm64Source, shortDigest, type AuditDiff, type Change, type ImageChange, type SavedImage } from './diff.js';
import type { ComponentReport } from './matrix.js';

/** Backslash-escape markdown punctuation (CommonMark allows it before any ASCII punctuation). */
export function mdText(value: string): string {
  return value.replace(/[\\`*_[\]<>|&~#!]/g, '\\$&').replace(/\r\n|\r|\n/g, ' ');
}

/** A code span; references and digests never contain backticks, other values fall back to text. */
function code(value: string): string {
  return /[`\r\n|]/.test(value) ? mdText(value) : `\`${value}\``;
}

function table(head: string[], rows: string[][]): string[] {
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "arm64" -> "yes"; "alternate x" -> "via `x`". */
function sourceCell(source: string | null): string {
  if (source === null) return 'no';
  return source === 'arm64' ? 'yes' : `via ${code(source.replace(/^alternate /, ''))}`;
}

function arm64Cell(image: SavedImage): string {
  return image.status === 'ok' ? sourceCell(arm64Source(image)) : `not inspected (${mdText(image.status)})`;
}

const yesNo = (v: boolean): string => (v ? 'yes' : 'no');
const platformList = (platforms: string[]): string => (platforms.length ? platforms.map(mdText).join(', ') : 'none');
const digestCell = (d: string | null): string => (d === null ? 'none' : code(shortDigest(d)));

function fieldRow<T>(ref: string, field: string, ch: Change<T> | undefined, show: (v: T) => string): string[][] {
  return ch ? [[code(ref), field, show(ch.old), show(ch.new)]] : [];
}

/** One row per changed field of an image: image, field, before, now. */
function fieldRows(c: ImageChange): string[][] {
  return [
    ...fieldRow(c.ref, 'status', c.status, mdText),
    ...fieldRow(c.ref, 'digest', c.digest, digestCell),
    ...fieldRow(c.ref, 'arm64', c.arm64, yesNo),
    ...fieldRow(c.ref, 'arm64 alternative', c.arm64Alternative, (v) => (v === null ? 'none' : code(v))),
    ...fieldRow(c.ref, 'multi-arch', c.multiArch, yesNo),
    ...fieldRow(c.ref, 'platforms', c.platforms, platformList),
  ];
}

function componentSummary(c: ComponentReport): string {
  return `arm64 ${c.arm64}, multi-arch ${c.multiArch}, build ${c.build}`;
}

function componentRows(d: AuditDiff['components']): string[][] {
  return [
    ...d.changed.flatMap((c) =>
      (['arm64', 'multiArch', 'build'] as const).flatMap((f) => {
        const ch = c[f];
        return ch ? [[mdText(c.name), f === 'multiArch' ? 'multi-arch' : f, ch.old, ch.new]] : [];
      }),
    ),
    ...d.added.map((c) => [mdText(c.name), 'new', '', componentSummary(c)]),
    ...d.removed.map((c) => [mdText(c.name), 'removed', componentSummary(c), '']),
  ];
}

function headline(diff: AuditDiff): string {
  const { images, components } = diff;
  const componentCount = components.added.length + components.removed.length + components.changed.length;
  const parts = [
    diff.regressions.length ? `**${plural(diff.regressions.length, 'image')} lost arm64**` : 'no image lost arm64',
    diff.gained.length ? `${plural(diff.gained.length, 'image')} gained arm64` : '',
    images.changed.length ? `${plural(images.changed.length, 'image')} changed` : '',
    images.added.length ? `${images.added.length} new` : '',
    images.removed.length ? `${images.removed.length} removed` : '',
    componentCount ? `${plural(componentCount, 'component')} changed` : '',
  ];
  return parts.filter(Boolean).join(' · ');
}

function section(title: string, lines: string[]): string[] {
  return lines.length > 2 ? ['', `### ${title}`, '', ...lines] : [];
}

/** The diff as markdown, starting with a level-2 heading; says so plainly when nothing changed. */
export function renderDiffMarkdown(diff: AuditDiff): string {
  const { images, components } = diff;
  const empty = !diff.regressions.length && !images.added.length && !images.removed.length && !images.changed.length
    && !components.added.length && !components.removed.length && !components.changed.length;
  if (empty) return '## Image audit changes\n\nNo changes between the two audits.\n';
  const lines = [
    '## Image audit changes',
    '',
    headline(diff),
    ...section('Lost arm64', table(['image', 'arm64 before', 'platforms now'], diff.regressions.map((r) => [
      r.replaces ? `${code(r.ref)} (replaces ${code(r.replaces)})` : code(r.ref), sourceCell(r.before), platformList(r.platforms),
    ]))),
    ...section('Gained arm64', table(['image', 'arm64 now'], diff.gained.map((g) => [code(g.ref), sourceCell(g.now)]))),
    ...section('Changed images', table(['image', 'field', 'before', 'now'], images.changed.flatMap(fieldRows))),
    ...section('New images', table(['image', 'arm64', 'multi-arch', 'platforms', 'components'], images.added.map((i) => [
      code(i.ref), arm64Cell(i), yesNo(i.multiArch), platformList(i.platforms), i.components.map(mdText).join(', '),
    ]))),
    ...section('Removed images', table(['image', 'arm64', 'multi-arch', 'components'], images.removed.map((i) => [
      code(i.ref), arm64Cell(i), yesNo(i.multiArch), i.components.map(mdText).join(', '),
    ]))),
    ...section('Components', table(['component', 'change', 'before', 'now'], componentRows(components))),
  ];
  return `${lines.join('\n')}\n`;
}
