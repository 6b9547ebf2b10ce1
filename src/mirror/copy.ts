/**
 * Copying manifests and what they reference, in the order that never exposes an incomplete image
 * (DESIGN.md "Mirror naming and lock"): blobs, then child manifests by digest, then the index by
 * digest, then the tag. Manifests already present are not written again, so a re-run rewrites nothing.
 */
import { type Descriptor, type ImageManifest, type IndexManifest } from '../manifest.js';
import type { FetchedManifest, Registry, RepoName } from '../registry/types.js';
import type { BlobCopier, OnBytes } from './blobs.js';

/** Indexes may point at indexes (OCI image-index.md); a bound keeps a cycle from looping. */
const MAX_DEPTH = 3;

export interface CopyContext {
  registry: Registry;
  blobs: BlobCopier;
  onBytes?: OnBytes;
}

/** Manifest bytes to write: exact bytes as fetched, or bytes the mirror composed. */
export interface ManifestBytes {
  bytes: Uint8Array;
  mediaType: string;
  digest: string;
}

/** Layers with `urls` that the image spec calls non-distributable are fetched from elsewhere by clients. */
function distributable(d: Descriptor): boolean {
  return !(d.urls?.length && /nondistributable|foreign/.test(d.mediaType));
}

/** PUT a manifest under `reference` unless the target already has exactly it there. */
export async function putManifestOnce(registry: Registry, repo: RepoName, reference: string, m: ManifestBytes): Promise<void> {
  const head = await registry.headManifest(repo, reference);
  if (head?.digest === m.digest) return;
  await registry.putManifest(repo, reference, m.bytes, m.mediaType);
}

async function copyImage(ctx: CopyContext, from: RepoName, to: RepoName, manifest: ImageManifest): Promise<void> {
  const blobs = [manifest.config, ...manifest.layers].filter(distributable);
  await Promise.all(blobs.map((b) => ctx.blobs.ensure(from, to, b, ctx.onBytes)));
}

/** Copy the children a (possibly trimmed or composed) index lists, each by digest. */
export async function copyChildren(ctx: CopyContext, from: RepoName, to: RepoName, children: Descriptor[], depth = 0): Promise<void> {
  if (depth > MAX_DEPTH) throw new Error(`indexes nested deeper than ${MAX_DEPTH} levels`);
  await Promise.all(children.map(async (child) => {
    const fetched = await ctx.registry.getManifest(from, child.digest);
    await copyTree(ctx, from, to, fetched, depth + 1);
  }));
}

/** Copy what a manifest references (children or blobs), not the manifest itself. */
export async function copyContent(ctx: CopyContext, from: RepoName, to: RepoName, fetched: FetchedManifest, depth = 0): Promise<void> {
  const { manifest } = fetched;
  if (manifest.kind === 'legacy') throw new Error('Docker schema 1 manifests cannot be mirrored (re-push the image as schema 2 or OCI)');
  if (manifest.kind === 'index') await copyChildren(ctx, from, to, (manifest as IndexManifest).manifests, depth);
  else await copyImage(ctx, from, to, manifest);
}

/** Copy a manifest and everything below it; the manifest itself is written last, by digest. */
export async function copyTree(ctx: CopyContext, from: RepoName, to: RepoName, fetched: FetchedManifest, depth = 0): Promise<void> {
  await copyContent(ctx, from, to, fetched, depth);
  await putManifestOnce(ctx.registry, to, fetched.digest, fetched);
}

/** Write a top manifest (whose content is already there) by digest, then under its tag. */
export async function publish(registry: Registry, to: RepoName, tag: string | undefined, m: ManifestBytes): Promise<void> {
  await putManifestOnce(registry, to, m.digest, m);
  if (tag !== undefined) await putManifestOnce(registry, to, tag, m);
}
