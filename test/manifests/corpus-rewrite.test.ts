/**
 * `rewrite` over every corpus manifest with a lock made for all its references: every reference
 * rewritten, every comment line still there, and only the lines SOURCES.md lists as holding a
 * live reference changed. Skipped when the corpus is absent.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeLock } from '../../src/lock.js';
import { discoverImages } from '../../src/manifests/discover.js';
import { rewriteManifests } from '../../src/manifests/rewrite-tree.js';
import { CORPUS, HAS_CORPUS, isCommented, readSources } from './corpus-sources.js';
import { MIRROR, lockFor } from './lock-for.js';

const files = HAS_CORPUS ? readSources().filter((f) => /\.(ya?ml|json)$/.test(f.file)) : [];

describe.skipIf(!HAS_CORPUS)('corpus: rewrite', () => {
  const work = HAS_CORPUS ? mkdtempSync(join(tmpdir(), 'ampere-corpus-rewrite-')) : '';
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it.each(files.map((f) => [f.file, f] as const))('%s', async (_name, { file, refs }) => {
    const dir = join(work, basename(file));
    cpSync(join(CORPUS, file), join(dir, 'src', basename(file)));
    const found = await discoverImages(['src'], { cwd: dir });
    await writeLock(join(dir, 'lock.json'), lockFor(found.images.map((i) => i.ref)));
    const report = await rewriteManifests({ lock: 'lock.json', manifests: 'src', out: 'out', cwd: dir });
    expect(report.missing).toEqual([]);
    expect(report.notes).toEqual([]);

    const after = await discoverImages(['out'], { cwd: dir });
    expect(after.images.filter((i) => !i.ref.startsWith(`${MIRROR}/`))).toEqual([]);
    expect(after.images.length).toBe(found.images.length);

    const before = readFileSync(join(dir, 'src', basename(file)), 'utf8').split('\n');
    const lines = readFileSync(join(dir, 'out', basename(file)), 'utf8').split('\n');
    expect(lines.length).toBe(before.length);
    for (const comment of before.filter((l) => l.trim().startsWith('#'))) expect(lines).toContain(comment);
    const changed = before.flatMap((l, i) => (l === lines[i] ? [] : [i + 1]));
    const listed = new Set(refs.filter((r) => !isCommented(r)).map((r) => r.line));
    expect(changed.filter((n) => !listed.has(n))).toEqual([]);
    expect(changed.length).toBeGreaterThan(0);
  });
});
