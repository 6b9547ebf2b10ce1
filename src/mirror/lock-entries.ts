/**
 * The mirror's side of the lock file (src/lock.ts reads, validates and writes it): entries for
 * what was mirrored, whether an entry still matches the plan (a re-run then does nothing), and the
 * repositories earlier runs filled, used as cross-repository mount sources.
 */
import type { Lock, LockEntry } from '../lock.js';
import { formatReference, parseReference } from '../reference.js';
import type { Registry, RepoName } from '../registry/types.js';
import type { KnownHomes } from './blobs.js';
import type { MirroredImage } from './image.js';
import { ARM64, type PlannedImage } from './plan.js';
import { repoOf } from './resolve.js';

const UPSTREAM = 'upstream';
const ALTERNATE = 'alternate ';
const BUILT = 'built ';

/** The target as the lock names it: a pinned source is pinned to what the mirror holds (a composed index differs). */
function lockTarget(plan: PlannedImage, digest: string): string {
  return plan.targetRef.digest === undefined ? plan.target : formatReference({ ...plan.targetRef, digest });
}

export function lockEntry(plan: PlannedImage, sourceDigest: string, mirrored: MirroredImage): LockEntry {
  return { source: plan.source, sourceDigest, target: lockTarget(plan, mirrored.digest), digest: mirrored.digest, platforms: mirrored.platforms };
}

export function findEntry(lock: Lock | undefined, source: string): LockEntry | undefined {
  return lock?.images.find((e) => e.source === source);
}

/** This run's entries replace earlier ones of the same source; the others stay. Sorted by source. */
export function mergeLock(previous: Lock | undefined, registry: string, entries: LockEntry[]): Lock {
  const bySource = new Map<string, LockEntry>();
  if (previous?.registry === registry) for (const e of previous.images) bySource.set(e.source, e);
  for (const e of entries) bySource.set(e.source, e);
  const images = [...bySource.values()].sort((a, b) => a.source.localeCompare(b.source));
  return { registry, images };
}

export function sameLock(a: Lock | undefined, b: Lock): boolean {
  return a !== undefined && JSON.stringify(mergeLock(a, a.registry, [])) === JSON.stringify(b);
}

/** The alternate an earlier run used for this very source digest: no need to probe again. */
export function lockedAlternate(entry: LockEntry | undefined, sourceDigest: string): string | null {
  const from = entry?.sourceDigest === sourceDigest ? entry.platforms[ARM64]?.from : undefined;
  return from?.startsWith(ALTERNATE) ? from.slice(ALTERNATE.length) : null;
}

/** True when the entry records exactly what `plan` would produce from this source digest. */
export function matchesPlan(entry: LockEntry, plan: PlannedImage, sourceDigest: string): boolean {
  if (entry.target !== lockTarget(plan, entry.digest) || entry.sourceDigest !== sourceDigest) return false;
  const upstream = Object.entries(entry.platforms).filter(([, p]) => p.from === UPSTREAM).map(([name]) => name);
  if ([...upstream].sort().join() !== [...plan.platforms].sort().join()) return false;
  const arm64 = entry.platforms[ARM64]?.from;
  switch (plan.action) {
    case 'compose':
      return arm64 === `${ALTERNATE}${plan.alternate}`;
    case 'build':
      return arm64 === `${BUILT}${plan.recipe?.context}`;
    default:
      return (arm64 === undefined || arm64 === UPSTREAM) && (plan.trimmed || entry.digest === sourceDigest);
  }
}

/** Where earlier runs put each blob, read from the target on first need (see BlobCopier). */
export function homesFromLock(registry: Registry, lock: Lock | undefined, target: string): KnownHomes {
  return async () => {
    const homes = new Map<string, RepoName>();
    if (!lock || lock.registry !== target) return homes;
    await Promise.all(lock.images.map(async (entry) => {
      const repo = repoOf(parseReference(entry.target));
      for (const p of Object.values(entry.platforms)) {
        try {
          const { manifest } = await registry.getManifest(repo, p.digest);
          if (manifest.kind !== 'image') continue;
          for (const d of [manifest.config, ...manifest.layers]) if (!homes.has(d.digest)) homes.set(d.digest, repo);
        } catch {
          // A repository deleted since is no mount source; the blob is pushed instead.
        }
      }
    }));
    return homes;
  };
}
