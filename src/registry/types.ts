/**
 * The Registry interface: what domain code (audit, mirror, build) may ask of a registry.
 * Only src/registry/ implements it; domain code never imports undici.
 */
import type { Descriptor, Manifest } from '../manifest.js';

/** A repository on a registry, as written by the user ("docker.io" + "library/nginx"). */
export interface RepoName {
  registry: string;
  repository: string;
}

export interface FetchedManifest {
  /** Exact bytes as served; their sha256 is `digest`. */
  bytes: Uint8Array;
  mediaType: string;
  /** "sha256:…", computed from the bytes and checked against what was asked or claimed. */
  digest: string;
  manifest: Manifest;
}

export interface ManifestHead {
  digest: string;
  mediaType: string;
  size: number;
}

/**
 * An upload body: a stream read once, or a factory that opens it again, which lets a failed upload
 * be retried (a consumed stream cannot be sent twice).
 */
export type BlobSource = AsyncIterable<Uint8Array> | (() => AsyncIterable<Uint8Array>);

export interface Registry {
  /** GET a manifest by tag or digest; verified against the digest asked for (or Docker-Content-Digest). */
  getManifest(repo: RepoName, reference: string): Promise<FetchedManifest>;
  /** HEAD a manifest; undefined when it does not exist. */
  headManifest(repo: RepoName, reference: string): Promise<ManifestHead | undefined>;
  /** A small blob (config) read whole, verified, refused past `maxBytes` (default 4 MiB). */
  getBlob(repo: RepoName, descriptor: Pick<Descriptor, 'digest' | 'size'>, maxBytes?: number): Promise<Uint8Array>;
  /**
   * A blob as a stream, hashed on the fly: the stream errors with DigestMismatch at its end when the
   * content is not the digest, and is cut off when longer than the descriptor's size.
   */
  openBlob(repo: RepoName, descriptor: Pick<Descriptor, 'digest' | 'size'>): Promise<AsyncIterable<Uint8Array>>;
  /** HEAD a blob. */
  hasBlob(repo: RepoName, digest: string): Promise<boolean>;
  /** Cross-repository mount within one registry; false when the registry started an upload instead. */
  mountBlob(repo: RepoName, digest: string, from: RepoName): Promise<boolean>;
  /** Upload a blob (monolithic or chunked as the registry allows); the registry checks the digest too. */
  pushBlob(repo: RepoName, descriptor: Pick<Descriptor, 'digest' | 'size'>, body: BlobSource): Promise<void>;
  /** PUT a manifest under a tag or its digest; returns the digest the registry reports. */
  putManifest(repo: RepoName, reference: string, bytes: Uint8Array, mediaType: string): Promise<string>;
  /** Tags of a repository (follows pagination). */
  listTags(repo: RepoName): Promise<string[]>;
}
