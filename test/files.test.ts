/** writeFileAtomic and stopWriting on a real folder: whole files only, before and during an interrupt. */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { ExitError } from '../src/errors.js';
import { stopWriting, writeFileAtomic } from '../src/files.js';

const dir = mkdtempSync(join(tmpdir(), 'ampere-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('an interrupt waits for the writes under way: each ends whole or not at all, no temp file stays', async () => {
  const big = 'x'.repeat(4 << 20);
  await writeFileAtomic(join(dir, 'before.txt'), 'done');
  const writes = Array.from({ length: 20 }, (_, i) => writeFileAtomic(join(dir, 'sub', `f${i}.txt`), big));
  await stopWriting();
  const outcomes = await Promise.allSettled(writes);
  for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(ExitError);
  const left = readdirSync(join(dir, 'sub'));
  expect(left.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  for (const f of left) expect(readFileSync(join(dir, 'sub', f), 'utf8')).toBe(big);
  expect(readFileSync(join(dir, 'before.txt'), 'utf8')).toBe('done');
  // After the interrupt nothing new starts.
  await expect(writeFileAtomic(join(dir, 'after.txt'), 'late')).rejects.toBeInstanceOf(ExitError);
  expect(readdirSync(dir).sort()).toEqual(['before.txt', 'sub']);
});
