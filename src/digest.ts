/** Content digests (OCI image-spec descriptor.md#digests): sha256 and sha512. */
import { createHash, type Hash } from 'node:crypto';

const ALGORITHMS: Record<string, string> = { sha256: 'sha256', sha512: 'sha512' };

/** A hash for the algorithm a digest names; undefined for algorithms we cannot verify. */
export function hasherFor(digest: string): Hash | undefined {
  const algorithm = ALGORITHMS[digest.slice(0, digest.indexOf(':'))];
  return algorithm ? createHash(algorithm) : undefined;
}

/** The digest of `bytes` computed with the algorithm `like` names (sha256 by default). */
export function digestOf(bytes: Uint8Array, like = 'sha256:'): string {
  const algorithm = ALGORITHMS[like.slice(0, like.indexOf(':'))] ?? 'sha256';
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

export function isDigest(reference: string): boolean {
  return /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(reference);
}
