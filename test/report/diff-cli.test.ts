import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditDiff, SavedAudit } from '../../src/audit/diff.js';
import { DIGEST_B, component, image, report } from './audit-builders.js';
import { runCli } from './cli.js';

const BUSY = 'docker.io/library/busybox:1.36';
const NGINX = 'docker.io/library/nginx:1.25';

let dir: string;
const write = (name: string, value: SavedAudit | string): void =>
  writeFileSync(join(dir, name), typeof value === 'string' ? value : JSON.stringify(value, null, 2));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ampere-diff-'));
  write('old.json', report([image(BUSY), image(NGINX)], [component('app', { images: [BUSY, NGINX] })]));
  write('same.json', report([image(BUSY), image(NGINX, { digest: DIGEST_B })], [component('app', { images: [BUSY, NGINX] })]));
  write('lost.json', report(
    [image(BUSY, { platforms: ['linux/amd64'] }), image(NGINX)],
    [component('app', { images: [BUSY, NGINX], arm64: 'partial', multiArch: 'partial' })],
  ));
  write('bad.json', '{"images": [');
  write('shape.json', JSON.stringify({ images: [{ ...image(BUSY), arm64: 'yes' }], components: [] }));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ampere-images diff', () => {
  it('prints markdown by default and exits 0 without --fail-on-regression', async () => {
    const r = await runCli(['diff', 'old.json', 'lost.json'], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^## Image audit changes\n\n\*\*1 image lost arm64\*\*/);
    expect(r.stdout).toContain(`| \`${BUSY}\` | yes | linux/amd64 |`);
    expect(r.stdout).toContain('| app | arm64 | yes | partial |');
  });

  it('prints the same facts as JSON with --json', async () => {
    const r = await runCli(['diff', '--json', 'old.json', 'lost.json'], dir);
    expect(r.code).toBe(0);
    const diff = JSON.parse(r.stdout) as AuditDiff;
    expect(diff.regressions).toEqual([{ ref: BUSY, before: 'arm64', platforms: ['linux/amd64'] }]);
    expect(diff.components.changed).toEqual([
      { name: 'app', arm64: { old: 'yes', new: 'partial' }, multiArch: { old: 'yes', new: 'partial' } },
    ]);
    expect(diff.images.changed.map((c) => c.ref)).toEqual([BUSY]);
  });

  it('exits 1 with --fail-on-regression when an image lost arm64, after printing the report', async () => {
    const r = await runCli(['diff', '--fail-on-regression', 'old.json', 'lost.json'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('### Lost arm64');
    expect(r.stderr).toBe(`1 image(s) lost arm64: ${BUSY}\n`);
  });

  it('exits 0 with --fail-on-regression when only digests moved', async () => {
    const r = await runCli(['diff', '--fail-on-regression', 'old.json', 'same.json'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`| \`${NGINX}\` | digest |`);
  });

  it.each([
    ['missing.json', 'missing.json: cannot read audit report (ENOENT)'],
    ['bad.json', 'bad.json: not valid JSON'],
    ['shape.json', 'shape.json: images[0].arm64: must be true or false'],
  ])('rejects %s with one line naming the file, exit 2', async (file, message) => {
    const r = await runCli(['diff', '--fail-on-regression', 'old.json', file], dir);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(message);
  });

  it('needs both files: usage error, exit 2', async () => {
    const r = await runCli(['diff', 'old.json'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("missing required argument 'new'");
  });
});
