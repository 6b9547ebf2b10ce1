import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MATRIX_END, MATRIX_START, replaceMatrixBlock, updateReadme } from '../../src/audit/readme.js';
import { InputError } from '../../src/errors.js';
import { supportTableMarkdown } from '../../src/audit/report.js';

const doc = `# Title\n\nintro\n\n${MATRIX_START}\nold table\n${MATRIX_END}\n\n## After\n`;

describe('README matrix block', () => {
  it('replaces only the block and is idempotent', () => {
    const once = replaceMatrixBlock(doc, '| a |\n| --- |\n', 'README.md');
    expect(once).toBe(`# Title\n\nintro\n\n${MATRIX_START}\n| a |\n| --- |\n${MATRIX_END}\n\n## After\n`);
    expect(replaceMatrixBlock(once, '| a |\n| --- |\n', 'README.md')).toBe(once);
  });

  it('keeps a CRLF README in CRLF: only the block changes, in the file\'s own line endings', () => {
    const crlf = doc.replaceAll('\n', '\r\n');
    const once = replaceMatrixBlock(crlf, '| a |\n| --- |\n', 'README.md');
    expect(once).toBe(`# Title\r\n\r\nintro\r\n\r\n${MATRIX_START}\r\n| a |\r\n| --- |\r\n${MATRIX_END}\r\n\r\n## After\r\n`);
    expect(replaceMatrixBlock(once, '| a |\n| --- |\n', 'README.md')).toBe(once);
  });

  it('ignores markers mentioned inside a line of prose', () => {
    const text = `See \`${MATRIX_START}\` below.\n${doc}`;
    expect(replaceMatrixBlock(text, 't', 'README.md')).toBe(`See \`${MATRIX_START}\` below.\n${replaceMatrixBlock(doc, 't', 'README.md')}`);
  });

  it.each([
    ['no start', `x\n${MATRIX_END}\n`, /README.md: missing marker <!-- ampere-images:matrix:start -->/],
    ['no end', `x\n${MATRIX_START}\n`, /README.md: missing marker <!-- ampere-images:matrix:end -->/],
    ['markers only mentioned in prose', `Use \`${MATRIX_START}\` and \`${MATRIX_END}\`.\n`, /missing marker .*on a line of its own/],
    ['reversed', `${MATRIX_END}\n${MATRIX_START}\n`, /comes before/],
    ['twice', `${MATRIX_START}\n${MATRIX_END}\n${MATRIX_START}\n`, /more than once/],
  ])('refuses a README with %s', (_name, text, message) => {
    expect(() => replaceMatrixBlock(text, 't', 'README.md')).toThrow(InputError);
    expect(() => replaceMatrixBlock(text, 't', 'README.md')).toThrow(message);
  });

  it('rewrites the file only when the table changed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ampere-readme-'));
    const file = join(dir, 'README.md');
    writeFileSync(file, doc);
    expect(await updateReadme(file, 'new')).toBe(true);
    const after = readFileSync(file, 'utf8');
    expect(after).toContain(`${MATRIX_START}\nnew\n${MATRIX_END}`);
    expect(await updateReadme(file, 'new')).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe(after);
  });
});

describe('support table markdown', () => {
  it('escapes pipes, new lines and HTML that come from manifests or registry errors', () => {
    const md = supportTableMarkdown([{
      component: 'evil<script>alert(1)</script>', image: 'a|b', build: 'yes',
      provided: 'no\nmore', multiArch: 'no', platforms: ['linux/amd64'], images: [],
    }]);
    const last = md.split('\n').at(-1)!;
    expect(last).toContain('evil&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(last).toContain('a\\|b');
    expect(last).toContain('no more');
    expect(last).not.toContain('<script>');
  });
});
