/**
 * A mirror lock for a set of references, as `mirror` would write it after copying them to
 * 127.0.0.1:5000 (target naming from src/mirror/plan.ts; digests derived from the reference so
 * that they are stable and distinct).
 */
import { createHash } from 'node:crypto';
import type { Lock } from '../../src/lock.js';
import { mirrorReference } from '../../src/mirror/plan.js';
import { formatReference, parseReference } from '../../src/reference.js';

export const MIRROR = '127.0.0.1:5000';

export const fakeDigest = (seed: string): string => `sha256:${createHash('sha256').update(seed).digest('hex')}`;

export function lockFor(refs: string[]): Lock {
  const images = refs.map((source) => {
    const ref = parseReference(source);
    return {
      source,
      sourceDigest: ref.digest ?? fakeDigest(`source ${source}`),
      target: formatReference(mirrorReference(MIRROR, ref)),
      digest: fakeDigest(`mirror ${source}`),
      platforms: { 'linux/amd64': { digest: fakeDigest(`amd64 ${source}`), from: 'upstream' } },
    };
  });
  return { registry: MIRROR, images };
}
