/** A copy of the install fixture project in a temp folder, its lock pointed at a given mirror. */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lock } from '../../src/lock.js';

export const FIXTURE_PROJECT = join(import.meta.dirname, '..', 'fixtures', 'install', 'project');
/** The registry the fixture lock names. */
export const FIXTURE_REGISTRY = '127.0.0.1:5000';

export function copyProject(mirror: string = FIXTURE_REGISTRY): string {
  const dir = mkdtempSync(join(tmpdir(), 'ampere-install-'));
  cpSync(FIXTURE_PROJECT, dir, { recursive: true });
  const lockFile = join(dir, 'mirror.lock.json');
  const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as Lock;
  lock.registry = mirror;
  for (const e of lock.images) e.target = e.target.replace(FIXTURE_REGISTRY, mirror);
  writeFileSync(lockFile, `${JSON.stringify(lock, null, 2)}\n`);
  return dir;
}
