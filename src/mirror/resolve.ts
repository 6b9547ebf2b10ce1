/**
 * Reading what the mirror copies: the source's top manifest and its platforms, and a linux/arm64
 * image manifest taken from an alternate image or a build, checked by its config blob (a tag named
 * "-arm64" proves nothing).
 */
import {
  indexPlatformEntries, isAttestation, isImageConfigMediaType, isImageMediaType, platformFromConfig, type Descriptor,
} from '../manifest.js';
import { comparePlatforms, formatPlatform, isArm64 } from '../platform.js';
import { manifestReference, parseReference, type ImageRef } from '../reference.js';
import type { BuilderName } from '../build/index.js';
import type { FetchedManifest, Registry, RepoName } from '../registry/types.js';
import type { BuildRecipe } from '../stack-types.js';
import { indexEntries, withPlatform, type IndexEntry } from './compose.js';
import { ARM64, type PlannedImage } from './plan.js';

export interface ResolvedSource {
  fetched: FetchedManifest;
  /** Real platforms, normalised and sorted. */
  platforms: string[];
  /** An index's entries, each with its platform (read from the child when the entry has none); [] for an image. */
  entries: IndexEntry[];
}

/** A linux/arm64 image manifest that lives outside the source image. */
export interface Arm64Manifest {
  repo: RepoName;
  fetched: FetchedManifest;
  /** The lock's "from" and the index annotation: "alternate docker.io/x/y:1", "built images/flannel". */
  origin: string;
}

export function repoOf(ref: ImageRef): RepoName {
  return { registry: ref.registry, repository: ref.repository };
}

/**
 * OCI lets an index entry omit `platform`: an image manifest child then says it in its config.
 * Attestations, artifacts and nested indexes stay without one.
 */
async function withChildPlatform(registry: Registry, repo: RepoName, entry: IndexEntry): Promise<IndexEntry> {
  const d = entry.descriptor;
  if (d.platform || isAttestation(d) || d.artifactType !== undefined || !isImageMediaType(d.mediaType)) return entry;
  const child = (await registry.getManifest(repo, d.digest)).manifest;
  // A child whose config is no image config (an SBOM, a signature) runs nowhere.
  if (child.kind !== 'image' || !isImageConfigMediaType(child.config.mediaType)) return entry;
  return withPlatform(entry, platformFromConfig(await registry.getBlob(repo, child.config)));
}

export async function resolveSource(registry: Registry, ref: ImageRef): Promise<ResolvedSource> {
  const repo = repoOf(ref);
  const fetched = await registry.getManifest(repo, manifestReference(ref));
  const { manifest } = fetched;
  if (manifest.kind === 'legacy') throw new Error('Docker schema 1 manifest: cannot be mirrored (re-push the image as schema 2 or OCI)');
  if (manifest.kind === 'image') {
    const platform = formatPlatform(platformFromConfig(await registry.getBlob(repo, manifest.config)));
    return { fetched, platforms: [platform], entries: [] };
  }
  const entries = await Promise.all(indexEntries(fetched.bytes).map((e) => withChildPlatform(registry, repo, e)));
  const platforms = [...new Set(entries.flatMap((e) => (e.platform === undefined ? [] : [e.platform])))];
  return { fetched, platforms: platforms.sort(comparePlatforms), entries };
}

/** The linux/arm64 image manifest `reference` resolves to in `repo` (itself, or its index's arm64 child). */
export async function arm64ManifestOf(registry: Registry, repo: RepoName, reference: string, what: string): Promise<FetchedManifest> {
  let fetched = await registry.getManifest(repo, reference);
  if (fetched.manifest.kind === 'index') {
    const entry: Descriptor | undefined = indexPlatformEntries(fetched.manifest).find((e) => isArm64(e.platform))?.descriptor;
    if (!entry) throw new Error(`${what} lists no linux/arm64 manifest`);
    fetched = await registry.getManifest(repo, entry.digest);
  }
  const { manifest } = fetched;
  if (manifest.kind !== 'image') throw new Error(`${what}: linux/arm64 entry is not an image manifest`);
  const platform = platformFromConfig(await registry.getBlob(repo, manifest.config));
  if (!isArm64(platform)) throw new Error(`${what} is ${formatPlatform(platform)} by its config, not linux/arm64`);
  return fetched;
}

/** The arm64 manifest of an alternate image. */
export async function alternateArm64(registry: Registry, alternate: string): Promise<Arm64Manifest> {
  const ref = parseReference(alternate);
  const repo = repoOf(ref);
  const fetched = await arm64ManifestOf(registry, repo, manifestReference(ref), `alternate ${alternate}`);
  return { repo, fetched, origin: `alternate ${alternate}` };
}

/** src/build's buildImage, injected so the mirror can be tested and dry-run without a builder. */
export type BuildFn = (recipe: BuildRecipe, opts: {
  stackRoot: string; target: string; platform: string; builder?: BuilderName; plainHttp: boolean;
  dryRun?: boolean; verbose?: boolean; log?: (l: string) => void;
}) => Promise<{ digest: string; commands: string[] }>;

export interface BuildSettings {
  stackRoot: string;
  builder?: BuilderName;
  plainHttp: boolean;
  verbose?: boolean;
  log?: (line: string) => void;
}

/** Build the arm64 variant into the target repository, then read it back like an alternate. */
export async function builtArm64(registry: Registry, build: BuildFn, plan: PlannedImage, settings: BuildSettings): Promise<Arm64Manifest> {
  if (!plan.recipe || !plan.buildTarget) throw new Error(`${plan.source}: no build recipe`);
  const { digest } = await build(plan.recipe, { ...settings, target: plan.buildTarget, platform: ARM64 });
  const repo = repoOf(plan.targetRef);
  const fetched = await arm64ManifestOf(registry, repo, digest, `build of ${plan.recipe.context}`);
  return { repo, fetched, origin: `built ${plan.recipe.context}` };
}
