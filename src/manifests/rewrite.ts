/**
 * Pointing one found reference at its mirror by changing only the scalars that hold it, in a form
 * the resource still understands: a flag keeps its "--flag=", an operator's baseImage + version
 * gets the mirror repository as baseImage and keeps its version, a kustomize `images:` entry gets
 * the mirror as newName. Everything else in the file is left as it was (see files.ts).
 */
import type { Scalar } from 'yaml';
import { formatReference, repositoryName, type ImageRef } from '../reference.js';
import type { Composite } from './composites.js';
import type { Hit } from './discovery.js';
import { setScalar } from './files.js';

/**
 * Rewrite the hit's scalars to `to`. Returns a note when the file cannot say all of `to`
 * (a digest where the resource has no field for one); the rest is still rewritten.
 */
export function rewriteHit(hit: Hit, to: ImageRef): string | undefined {
  const { candidate } = hit;
  if (candidate.composite) return rewriteComposite(candidate.composite, to);
  if (!candidate.node) throw new Error('candidate without a scalar');
  setScalar(candidate.node, `${candidate.prefix}${formatReference(to)}`);
  return undefined;
}

function set(node: Scalar | undefined, value: string): void {
  if (node && String(node.value) !== value) setScalar(node, value);
}

function rewriteComposite(c: Composite, to: ImageRef): string | undefined {
  const f = c.fields;
  const repo = repositoryName(to);
  const hex = to.digest?.startsWith('sha256:') ? to.digest.slice('sha256:'.length) : undefined;
  if (c.kind === 'base-image') {
    set(f.baseImage, repo);
    // The operator reads sha before tag before version.
    if (f.sha && hex) set(f.sha, hex);
    if (to.tag !== undefined) set(f.tag ?? f.version, to.tag);
    return to.digest && !(f.sha && hex) ? `digest ${to.digest} not written: the resource has no spec.sha field` : undefined;
  }
  if (!f.newName) return `not rewritten: the kustomize images entry has no newName (add newName: ${repo})`;
  set(f.newName, repo);
  if (to.tag !== undefined && f.newTag) set(f.newTag, to.tag);
  if (to.digest !== undefined && f.digest) set(f.digest, to.digest);
  return to.digest !== undefined && !f.digest ? `digest ${to.digest} not written: the images entry has no digest field` : undefined;
}
