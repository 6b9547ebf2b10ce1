import { describe, expect, it } from 'vitest';
import { renderDiffMarkdown, mdText } from '../../src/audit/diff-markdown.js';
import { diffAudits } from '../../src/audit/diff.js';
import { DIGEST_B, component, image, report } from './audit-builders.js';

const FLANNEL = 'quay.io/coreos/flannel:v0.11.0';
const FLANNEL_NEXT = 'quay.io/coreos/flannel:v0.12.0';
const ALT = 'docker.io/carlosedp/flannel:v0.11.0';
const AMD64 = ['linux/amd64'];

/** Each table line must have exactly columns + 1 pipes that markdown reads as cell borders. */
function tableShapes(md: string): number[] {
  return md.split('\n').filter((l) => l.startsWith('|')).map((l) => l.match(/(?<!\\)\|/g)?.length ?? 0);
}

function section(md: string, title: string): string {
  const start = md.indexOf(`### ${title}\n`);
  expect(start, `section "${title}" in:\n${md}`).toBeGreaterThanOrEqual(0);
  const next = md.indexOf('\n### ', start + 1);
  return md.slice(start, next < 0 ? undefined : next);
}

describe('renderDiffMarkdown', () => {
  it('says so when nothing changed', () => {
    const md = renderDiffMarkdown(diffAudits(report([image(FLANNEL)]), report([image(FLANNEL)])));
    expect(md).toBe('## Image audit changes\n\nNo changes between the two audits.\n');
  });

  it('leads with the lost arm64 images and what they replaced', () => {
    const old = report([image(FLANNEL, { platforms: AMD64, arm64Alternative: ALT })]);
    const now = report([image(FLANNEL_NEXT, { platforms: AMD64 })]);
    const md = renderDiffMarkdown(diffAudits(old, now));
    expect(md.split('\n')[2]).toBe('**1 image lost arm64** · 1 new · 1 removed');
    expect(section(md, 'Lost arm64')).toContain(
      `| \`${FLANNEL_NEXT}\` (replaces \`${FLANNEL}\`) | via \`${ALT}\` | linux/amd64 |`,
    );
    expect(section(md, 'New images')).toContain(`| \`${FLANNEL_NEXT}\` | no | no | linux/amd64 | app |`);
    expect(section(md, 'Removed images')).toContain(`| \`${FLANNEL}\` | via \`${ALT}\` | no | app |`);
  });

  it('lists each changed field with before and now, digests shortened', () => {
    const md = renderDiffMarkdown(diffAudits(report([image(FLANNEL, { platforms: AMD64 })]), report([image(FLANNEL, { digest: DIGEST_B })])));
    expect(md.split('\n')[2]).toBe('no image lost arm64 · 1 image gained arm64 · 1 image changed');
    const changed = section(md, 'Changed images');
    expect(changed).toContain(`| \`${FLANNEL}\` | digest | \`sha256:aaaaaaaaaaaa\` | \`sha256:bbbbbbbbbbbb\` |`);
    expect(changed).toContain(`| \`${FLANNEL}\` | arm64 | no | yes |`);
    expect(changed).toContain(`| \`${FLANNEL}\` | platforms | linux/amd64 | linux/amd64, linux/arm64 |`);
    expect(section(md, 'Gained arm64')).toContain(`| \`${FLANNEL}\` | yes |`);
  });

  it('shows component changes, new and removed components', () => {
    const md = renderDiffMarkdown(diffAudits(
      report([], [component('CNI-canal'), component('gone')]),
      report([], [component('CNI-canal', { arm64: 'partial' }), component('kata', { arm64: 'no', multiArch: 'no' })]),
    ));
    const rows = section(md, 'Components');
    expect(rows).toContain('| CNI-canal | arm64 | yes | partial |');
    expect(rows).toContain('| kata | new |  | arm64 no, multi-arch no, build yes |');
    expect(rows).toContain('| gone | removed | arm64 yes, multi-arch yes, build yes |  |');
  });

  it('escapes untrusted names so they cannot break tables or inject HTML', () => {
    const evil = 'x|y\n## <img src=x onerror=alert(1)> *bold* `code`';
    const md = renderDiffMarkdown(diffAudits(
      report([], [component('a')]),
      report([image(FLANNEL, { components: [evil], platforms: ['linux/amd64', 'linux/arm64|<b>'] })], [component(evil)]),
    ));
    // Every <, >, * and # from the input is backslash-escaped, so none starts a tag, emphasis or heading.
    const rows = md.split('\n').filter((l) => l.startsWith('|')).join('\n');
    expect(rows).not.toMatch(/(?<!\\)[<>]|(?<!\\)\*bold|(?<!\\)#/);
    expect(md).toContain(mdText(evil));
    const shapes = tableShapes(md);
    expect(shapes.length).toBeGreaterThan(4);
    // New images: 5 columns; Components: 4 columns.
    expect(new Set(shapes)).toEqual(new Set([6, 5]));
  });
});

describe('mdText', () => {
  it.each([
    ['a|b', 'a\\|b'],
    ['<script>', '\\<script\\>'],
    ['line\nbreak', 'line break'],
    ['snake_case *x*', 'snake\\_case \\*x\\*'],
    ['plain text 1.0', 'plain text 1.0'],
  ])('%j -> %j', (input, expected) => {
    expect(mdText(input)).toBe(expected);
  });
});
