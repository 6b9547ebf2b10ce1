/**
 * Which mirror lock entry serves a reference found in a manifest, and what to write instead.
 * Matching is on the canonical source; a reference pinned by digest matches the entry with that
 * digest, else the entry with the same tag. A reference that already is a lock target is
 * mirrored already (so rewriting twice changes nothing). Pure.
 */
import type { Lock, LockEntry } from '../lock.js';
import { formatReference, parseReference, repositoryName, type ImageRef } from '../reference.js';

export type LockMatch = { kind: 'entry'; entry: LockEntry } | { kind: 'mirrored' } | { kind: 'missing' };

export function matchLock(lock: Lock, ref: ImageRef): LockMatch {
  const canonical = formatReference(ref);
  const repo = repositoryName(ref);
  const exact = lock.images.find((e) => formatReference(parseReference(e.source)) === canonical);
  if (exact) return { kind: 'entry', entry: exact };
  if (lock.images.some((e) => isTarget(parseReference(e.target), ref))) return { kind: 'mirrored' };
  const sameRepo = lock.images.filter((e) => repositoryName(parseReference(e.source)) === repo);
  const byDigest = ref.digest !== undefined && sameRepo.find((e) => e.sourceDigest === ref.digest || parseReference(e.source).digest === ref.digest);
  if (byDigest) return { kind: 'entry', entry: byDigest };
  const byTag = ref.tag !== undefined && sameRepo.find((e) => parseReference(e.source).tag === ref.tag);
  return byTag ? { kind: 'entry', entry: byTag } : { kind: 'missing' };
}

/** The target's repository with its tag, or the same tag, or a digest as written in the lock. */
function isTarget(target: ImageRef, ref: ImageRef): boolean {
  return repositoryName(target) === repositoryName(ref) && (ref.tag === undefined || ref.tag === target.tag);
}

/**
 * What the manifest should say: the target repository and tag, with the mirrored index's digest
 * when pinning or when the source was pinned (a composed index has a digest of its own, so the
 * source digest would not resolve at the mirror).
 */
export function mirrorTarget(entry: LockEntry, source: ImageRef, pin: boolean): ImageRef {
  const target = parseReference(entry.target);
  const out: ImageRef = { registry: target.registry, repository: target.repository };
  if (target.tag !== undefined) out.tag = target.tag;
  if (pin || source.digest !== undefined) out.digest = entry.digest;
  return out;
}
