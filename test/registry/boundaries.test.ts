/** Domain code reaches registries through the Registry interface only: undici stays in src/registry/. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect, test } from 'vitest';

const SRC = join(import.meta.dirname, '..', '..', 'src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []);
}

test('only src/registry/ imports undici', () => {
  const importers = files(SRC)
    .filter((f) => /from ['"]undici['"]|import\(['"]undici['"]\)/.test(readFileSync(f, 'utf8')))
    .map((f) => relative(SRC, f));
  expect(importers.length).toBeGreaterThan(0);
  expect(importers.filter((f) => !f.startsWith('registry/'))).toEqual([]);
});

test('domain code imports the registry client only from the CLI layer', () => {
  const offenders = files(SRC)
    .filter((f) => !relative(SRC, f).startsWith('registry/') && !relative(SRC, f).startsWith('cli/'))
    .filter((f) => /from ['"][./]*registry\/(?!types\.js)[\w-]+\.js['"]/.test(readFileSync(f, 'utf8')))
    .map((f) => relative(SRC, f));
  expect(offenders).toEqual([]);
});
