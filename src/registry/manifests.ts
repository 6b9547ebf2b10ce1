/**
 * Manifest endpoints (distribution spec: pulling and pushing manifests). Every manifest read is
 * verified: against the digest asked for, or against Docker-Content-Digest when asked by tag.
 */
import { DigestMismatch, RegistryError } from '../errors.js';
import { MANIFEST_ACCEPT, MAX_MANIFEST_BYTES, ManifestError, parseManifest } from '../manifest.js';
import { pullScope, pushScope } from './auth.js';
import { digestOf, hasherFor, isDigest } from '../digest.js';
import { header, type HttpResponse } from './http.js';
import type { ApiContext } from './transport.js';
import type { FetchedManifest, ManifestHead, RepoName } from './types.js';

/** "127.0.0.1:5000/library/busybox:1.36" or "…/busybox@sha256:…": the subject of messages. */
export function manifestName(repo: RepoName, reference: string): string {
  return `${repo.registry}/${repo.repository}${isDigest(reference) ? '@' : ':'}${reference}`;
}

function path(repo: RepoName, reference: string): string {
  return `/v2/${repo.repository}/manifests/${reference}`;
}

export async function getManifest(ctx: ApiContext, repo: RepoName, reference: string): Promise<FetchedManifest> {
  const what = manifestName(repo, reference);
  if (isDigest(reference) && !hasherFor(reference)) {
    throw new RegistryError(`${what}: cannot verify digest algorithm`, { method: 'GET', url: path(repo, reference) });
  }
  return ctx.transport.exchange(
    { endpoint: ctx.endpoint(repo.registry), method: 'GET', url: path(repo, reference), headers: { accept: MANIFEST_ACCEPT }, scopes: [pullScope(repo.repository)], what, ok: [200] },
    async (res) => {
      const bytes = await ctx.http.read(res, MAX_MANIFEST_BYTES, what);
      const digest = verifiedDigest(bytes, reference, res, what);
      const contentType = header(res, 'content-type');
      let manifest;
      try {
        manifest = parseManifest(bytes, contentType);
      } catch (err) {
        if (err instanceof ManifestError) throw new ManifestError(`${what}: ${err.message}`);
        throw err;
      }
      return { bytes, digest, mediaType: manifest.mediaType, manifest };
    },
  );
}

/** The digest of the bytes, checked against the one asked for or, by tag, the one the registry claims. */
function verifiedDigest(bytes: Uint8Array, reference: string, res: HttpResponse, what: string): string {
  const claimed = header(res, 'docker-content-digest');
  const expected = isDigest(reference) ? reference : claimed;
  const digest = digestOf(bytes, expected && hasherFor(expected) ? expected : 'sha256:');
  if (expected !== undefined && expected !== digest) throw new DigestMismatch(expected, digest, what);
  return expected === undefined || expected.startsWith('sha256:') ? digest : digestOf(bytes);
}

export async function headManifest(ctx: ApiContext, repo: RepoName, reference: string): Promise<ManifestHead | undefined> {
  const what = manifestName(repo, reference);
  const head = await ctx.transport.exchange(
    { endpoint: ctx.endpoint(repo.registry), method: 'HEAD', url: path(repo, reference), headers: { accept: MANIFEST_ACCEPT }, scopes: [pullScope(repo.repository)], what, ok: [200, 404] },
    async (res) => {
      await ctx.http.discard(res);
      if (res.status === 404) return null;
      return {
        digest: header(res, 'docker-content-digest'),
        mediaType: (header(res, 'content-type') ?? '').split(';')[0]!.trim(),
        size: Number(header(res, 'content-length')),
      };
    },
  );
  if (head === null) return undefined;
  if (head.digest && isDigest(head.digest) && Number.isSafeInteger(head.size)) return { digest: head.digest, mediaType: head.mediaType, size: head.size };
  // Some registries omit Docker-Content-Digest on HEAD: read the manifest to know it for sure.
  const full = await getManifest(ctx, repo, reference);
  return { digest: full.digest, mediaType: full.mediaType, size: full.bytes.byteLength };
}

export async function putManifest(ctx: ApiContext, repo: RepoName, reference: string, bytes: Uint8Array, mediaType: string): Promise<string> {
  const what = manifestName(repo, reference);
  const digest = digestOf(bytes);
  if (isDigest(reference) && reference !== digestOf(bytes, reference)) {
    throw new DigestMismatch(reference, digestOf(bytes, reference), what);
  }
  return ctx.transport.exchange(
    { endpoint: ctx.endpoint(repo.registry), method: 'PUT', url: path(repo, reference), headers: { 'content-type': mediaType }, body: bytes, scopes: [pushScope(repo.repository)], what, ok: [201] },
    async (res) => {
      await ctx.http.discard(res);
      const reported = header(res, 'docker-content-digest');
      // A registry that stored other bytes than we sent (re-encoded JSON) would break digest pins.
      if (reported && reported.startsWith('sha256:') && reported !== digest) throw new DigestMismatch(digest, reported, what);
      return reported ?? digest;
    },
  );
}
