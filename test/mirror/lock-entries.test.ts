/** Lock entries (pure): merging keeps other sources and sorts; an entry matches a plan only when nothing changed. */
import { describe, expect, it } from 'vitest';
import type { Lock, LockEntry } from '../../src/lock.js';
import { findEntry, lockedAlternate, matchesPlan, mergeLock, sameLock } from '../../src/mirror/lock-entries.js';
import { planImage, type ImageFacts, type SourceImage } from '../../src/mirror/plan.js';

const REG = '127.0.0.1:5000';
const d = (c: string): string => `sha256:${c.repeat(64)}`;
const entry = (source: string, extra: Partial<LockEntry> = {}): LockEntry => ({
  source, sourceDigest: d('a'), target: `${REG}/${source}`, digest: d('a'),
  platforms: { 'linux/amd64': { digest: d('1'), from: 'upstream' }, 'linux/arm64': { digest: d('2'), from: 'upstream' } },
  ...extra,
});
const facts = (platforms: string[]): ImageFacts => ({ digest: d('a'), platforms, arm64Alternative: null });
const plan = (source: SourceImage, platforms: string[], filter?: string[]) =>
  planImage(source, facts(platforms), filter ? { registry: REG, build: true, platforms: filter } : { registry: REG, build: true });

describe('mergeLock', () => {
  const old: Lock = { registry: REG, images: [entry('docker.io/library/b:1'), entry('docker.io/library/a:1')] };

  it('replaces entries of this run, keeps the others, sorts by source', () => {
    const next = entry('docker.io/library/b:1', { digest: d('f') });
    const merged = mergeLock(old, REG, [next, entry('docker.io/library/0:1')]);
    expect(merged.images.map((e) => e.source)).toEqual(['docker.io/library/0:1', 'docker.io/library/a:1', 'docker.io/library/b:1']);
    expect(findEntry(merged, 'docker.io/library/b:1')!.digest).toBe(d('f'));
  });

  it('starts afresh for another registry', () => {
    expect(mergeLock(old, 'other:5000', []).images).toEqual([]);
  });

  it('knows when nothing changed, whatever the order on disk', () => {
    expect(sameLock(old, mergeLock(old, REG, []))).toBe(true);
    expect(sameLock(old, mergeLock(old, REG, [entry('docker.io/library/a:1', { digest: d('e') })]))).toBe(false);
    expect(sameLock(undefined, mergeLock(undefined, REG, []))).toBe(false);
  });
});

describe('matchesPlan', () => {
  const composed = entry('docker.io/library/x:1', {
    target: `${REG}/docker.io/library/x:1`, digest: d('c'),
    platforms: { 'linux/amd64': { digest: d('1'), from: 'upstream' }, 'linux/arm64': { digest: d('2'), from: 'alternate docker.io/y/x:1' } },
  });

  it('an exact copy matches while the source digest is the same', () => {
    const e = entry('docker.io/library/m:1', { target: `${REG}/docker.io/library/m:1` });
    const p = plan({ ref: 'docker.io/library/m:1' }, ['linux/amd64', 'linux/arm64']);
    expect(matchesPlan(e, p, d('a'))).toBe(true);
    expect(matchesPlan(e, p, d('b'))).toBe(false);
  });

  it('a different --platform does not match', () => {
    const e = entry('docker.io/library/m:1', { target: `${REG}/docker.io/library/m:1` });
    expect(matchesPlan(e, plan({ ref: 'docker.io/library/m:1' }, ['linux/amd64', 'linux/arm64'], ['linux/amd64']), d('a'))).toBe(false);
  });

  it('a composed entry matches the same alternate only', () => {
    expect(matchesPlan(composed, plan({ ref: 'x:1', arm64: { from: 'y/x:1' } }, ['linux/amd64']), d('a'))).toBe(true);
    expect(matchesPlan(composed, plan({ ref: 'x:1', arm64: { from: 'z/x:1' } }, ['linux/amd64']), d('a'))).toBe(false);
    expect(matchesPlan(composed, plan({ ref: 'x:1' }, ['linux/amd64']), d('a'))).toBe(false);
  });

  it('a built entry matches the same recipe context, so a re-run does not rebuild', () => {
    const built = { ...composed, platforms: { ...composed.platforms, 'linux/arm64': { digest: d('3'), from: 'built images/x' } } };
    expect(matchesPlan(built, plan({ ref: 'x:1', arm64: { build: { context: 'images/x' } } }, ['linux/amd64']), d('a'))).toBe(true);
    expect(matchesPlan(built, plan({ ref: 'x:1', arm64: { build: { context: 'images/other' } } }, ['linux/amd64']), d('a'))).toBe(false);
  });

  it('reuses the locked alternate for the same source digest only', () => {
    expect(lockedAlternate(composed, d('a'))).toBe('docker.io/y/x:1');
    expect(lockedAlternate(composed, d('b'))).toBeNull();
    expect(lockedAlternate(entry('m'), d('a'))).toBeNull();
    expect(lockedAlternate(undefined, d('a'))).toBeNull();
  });
});
