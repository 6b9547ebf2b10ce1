/**
 * What one image reference offers, read from the registry through the `Registry` interface:
 * one manifest GET when an index lists its platforms, plus the config blob for a single image
 * manifest (OCI image-spec config.md: os/architecture live there). A failure is reported in the
 * result's status, never thrown: one bad image must not stop an audit.
 */
import { AuthError, NotFoundError, describeError } from '../errors.js';
import {
  isAttestation, isImageConfigMediaType, isIndexMediaType, platformFromConfig, type Descriptor, type Manifest,
} from '../manifest.js';
import { comparePlatforms, formatPlatform, normalizePlatform } from '../platform.js';
import { manifestReference, parseReference, formatReference } from '../reference.js';
import type { Registry, RepoName } from '../registry/types.js';
import { alternateCandidates } from './alternates.js';

export type ImageStatus = 'ok' | 'not-found' | 'unauthorized' | 'error';

/** One entry of `audit --json` "images" (DESIGN.md "audit --json"). */
export interface ImageReport {
  /** Canonical reference: "docker.io/library/busybox:1.36". */
  ref: string;
  /** Digest the reference resolved to; null when it could not be read. */
  digest: string | null;
  /** Media type of the top manifest (index, list, image or schema 1). */
  mediaType: string | null;
  /** Real platforms, normalised and sorted: ["linux/amd64", "linux/arm64"]. */
  platforms: string[];
  /** The reference itself offers linux/arm64. */
  arm64: boolean;
  /** The reference resolves to an index with two or more real platforms. */
  multiArch: boolean;
  /** A separate image that offers linux/arm64 when the reference does not: "docker.io/arm64v8/nginx:1.25". */
  arm64Alternative: string | null;
  status: ImageStatus;
  /** One line, set when status is not "ok". */
  error: string | null;
  /** Stack components that use the image. */
  components: string[];
  /** Where the image was found: "manifests/canal.yaml: DaemonSet kube-system/canal spec…image". */
  locations: string[];
  /** Extra fact worth a reader's attention, e.g. a legacy schema 1 manifest. */
  note?: string;
}

export interface InspectOptions {
  /** Declared arm64 alternates (stack `arm64.from`), tried before the naming conventions. */
  alternates?: string[];
}

/** Indexes pointing to indexes are legal (OCI image-index.md); stop before a cycle costs requests. */
const MAX_INDEX_DEPTH = 3;
const ARM64 = 'linux/arm64';

interface Resolved {
  digest: string;
  mediaType: string;
  platforms: string[];
  isIndex: boolean;
  note?: string;
}

/** Platforms of one child entry: its own platform field, or the child read when it has none. */
async function childPlatforms(registry: Registry, repo: RepoName, d: Descriptor, depth: number): Promise<string[]> {
  // An artifact (SBOM, signature) may sit in an index without a platform: it runs nowhere.
  if (isAttestation(d) || d.artifactType !== undefined) return [];
  if (isIndexMediaType(d.mediaType)) return (await resolve(registry, repo, d.digest, depth + 1)).platforms;
  if (d.platform) return [formatPlatform(normalizePlatform(d.platform))];
  return (await resolve(registry, repo, d.digest, depth + 1)).platforms;
}

async function platformsOf(registry: Registry, repo: RepoName, manifest: Manifest, depth: number): Promise<string[]> {
  switch (manifest.kind) {
    case 'index': {
      const lists = [];
      for (const d of manifest.manifests) lists.push(await childPlatforms(registry, repo, d, depth));
      return lists.flat();
    }
    case 'image':
      // An index entry whose config is no image config is an artifact, not a platform.
      if (depth > 0 && !isImageConfigMediaType(manifest.config.mediaType)) return [];
      return [formatPlatform(platformFromConfig(await registry.getBlob(repo, manifest.config)))];
    case 'legacy':
      return manifest.architecture ? [formatPlatform(normalizePlatform({ os: 'linux', architecture: manifest.architecture }))] : [];
  }
}

async function resolve(registry: Registry, repo: RepoName, reference: string, depth = 0): Promise<Resolved> {
  if (depth > MAX_INDEX_DEPTH) throw new Error(`indexes nested deeper than ${MAX_INDEX_DEPTH} levels`);
  const fetched = await registry.getManifest(repo, reference);
  const platforms = [...new Set(await platformsOf(registry, repo, fetched.manifest, depth))].sort(comparePlatforms);
  const resolved: Resolved = {
    digest: fetched.digest,
    mediaType: fetched.mediaType,
    platforms,
    isIndex: fetched.manifest.kind === 'index',
  };
  if (fetched.manifest.kind === 'legacy') {
    resolved.note = 'legacy Docker schema 1 manifest: platform taken from its architecture field';
  }
  return resolved;
}

function statusOf(err: unknown): { status: ImageStatus; error: string } {
  const error = (describeError(err).split('\n')[0] ?? '').trim() || 'unknown error';
  if (err instanceof NotFoundError) return { status: 'not-found', error };
  if (err instanceof AuthError) return { status: 'unauthorized', error };
  return { status: 'error', error };
}

function repoOf(ref: string): { repo: RepoName; reference: string } {
  const parsed = parseReference(ref);
  return { repo: { registry: parsed.registry, repository: parsed.repository }, reference: manifestReference(parsed) };
}

/** The first candidate that exists and really lists linux/arm64 (by its manifests, not its name). */
async function findAlternative(registry: Registry, ref: string, declared: string[]): Promise<string | null> {
  for (const candidate of alternateCandidates(ref, declared)) {
    const { repo, reference } = repoOf(candidate);
    try {
      if ((await resolve(registry, repo, reference)).platforms.includes(ARM64)) return candidate;
    } catch {
      // A candidate that is missing, private or broken is simply not an alternative.
    }
  }
  return null;
}

/** Inspect one reference; never throws for registry trouble (see `status`). */
export async function inspectImage(registry: Registry, ref: string, opts: InspectOptions = {}): Promise<ImageReport> {
  const report: ImageReport = {
    ref, digest: null, mediaType: null, platforms: [], arm64: false, multiArch: false,
    arm64Alternative: null, status: 'ok', error: null, components: [], locations: [],
  };
  let canonical: string;
  try {
    canonical = formatReference(parseReference(ref));
  } catch (err) {
    return { ...report, ...statusOf(err) };
  }
  report.ref = canonical;
  try {
    const { repo, reference } = repoOf(canonical);
    const resolved = await resolve(registry, repo, reference);
    report.digest = resolved.digest;
    report.mediaType = resolved.mediaType;
    report.platforms = resolved.platforms;
    report.arm64 = resolved.platforms.includes(ARM64);
    report.multiArch = resolved.isIndex && resolved.platforms.length >= 2;
    if (resolved.note) report.note = resolved.note;
  } catch (err) {
    Object.assign(report, statusOf(err));
  }
  // Only an image that was read can lack arm64; "could not check" is not a gap to fill.
  if (!report.arm64 && report.status === 'ok') {
    report.arm64Alternative = await findAlternative(registry, canonical, opts.alternates ?? []);
  }
  return report;
}
