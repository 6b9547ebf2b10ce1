/**
 * Mirroring one planned image: an exact copy (same digest), a copy trimmed to --platform, or a
 * composed index of the upstream platforms plus an arm64 manifest from an alternate or a build.
 */
import type { LockPlatform } from '../lock.js';
import { LINUX_ARM64 } from '../platform.js';
import {
  composeIndex, entryFor, selectEntries, trimIndex, withOrigin, type IndexEntry,
} from './compose.js';
import { copyChildren, copyContent, publish, putManifestOnce, type CopyContext, type ManifestBytes } from './copy.js';
import { mirrorTag, type PlannedImage } from './plan.js';
import { repoOf, type Arm64Manifest, type ResolvedSource } from './resolve.js';

export interface MirroredImage {
  /** Digest of what the target tag now points at. */
  digest: string;
  platforms: Record<string, LockPlatform>;
}

const UPSTREAM = 'upstream';

/** The source's platform entries to keep, as index entries (a single manifest becomes one entry). */
function upstreamEntries(plan: PlannedImage, source: ResolvedSource): IndexEntry[] {
  const { fetched } = source;
  if (fetched.manifest.kind === 'index') return selectEntries(source.entries, plan.platforms);
  const platform = source.platforms[0];
  if (platform === undefined || !plan.platforms.includes(platform)) return [];
  const [os = 'linux', architecture = 'amd64', variant] = platform.split('/');
  return [entryFor(descriptorOf(fetched), variant ? { os, architecture, variant } : { os, architecture })];
}

function descriptorOf(m: ManifestBytes): { mediaType: string; digest: string; size: number } {
  return { mediaType: m.mediaType, digest: m.digest, size: m.bytes.byteLength };
}

function lockPlatforms(entries: IndexEntry[], arm64?: Arm64Manifest): Record<string, LockPlatform> {
  const out: Record<string, LockPlatform> = {};
  for (const e of entries) {
    if (e.platform !== undefined && out[e.platform] === undefined) out[e.platform] = { digest: e.descriptor.digest, from: UPSTREAM };
  }
  if (arm64) out['linux/arm64'] = { digest: arm64.fetched.digest, from: arm64.origin };
  return out;
}

/** Copy as it is (children, then the exact bytes) or trimmed to the planned platforms. */
async function copyUpstream(ctx: CopyContext, plan: PlannedImage, source: ResolvedSource, entries: IndexEntry[]): Promise<ManifestBytes> {
  const from = repoOf(plan.sourceRef);
  const to = repoOf(plan.targetRef);
  if (!plan.trimmed) {
    await copyContent(ctx, from, to, source.fetched);
    return source.fetched;
  }
  await copyChildren(ctx, from, to, entries.map((e) => e.descriptor));
  return trimIndex(source.fetched.bytes, entries);
}

/** Upstream entries (children copied) + the arm64 manifest (blobs copied, written by digest). */
async function compose(ctx: CopyContext, plan: PlannedImage, entries: IndexEntry[], arm64: Arm64Manifest): Promise<ManifestBytes> {
  const from = repoOf(plan.sourceRef);
  const to = repoOf(plan.targetRef);
  const copyArm64 = async (): Promise<void> => {
    await copyContent(ctx, arm64.repo, to, arm64.fetched);
    await putManifestOnce(ctx.registry, to, arm64.fetched.digest, arm64.fetched);
  };
  await Promise.all([copyChildren(ctx, from, to, entries.map((e) => e.descriptor)), copyArm64()]);
  const origin = `${UPSTREAM} ${plan.source}`;
  return composeIndex([
    ...entries.map((e) => withOrigin(e, origin)),
    withOrigin(entryFor(descriptorOf(arm64.fetched), LINUX_ARM64), arm64.origin),
  ]);
}

/** Mirror one image; nothing is tagged unless everything it points at is in the target. */
export async function mirrorImage(ctx: CopyContext, plan: PlannedImage, source: ResolvedSource, arm64?: Arm64Manifest): Promise<MirroredImage> {
  const entries = upstreamEntries(plan, source);
  if (!arm64 && entries.length === 0) throw new Error(`${plan.source}: nothing to copy`);
  const top = arm64 ? await compose(ctx, plan, entries, arm64) : await copyUpstream(ctx, plan, source, entries);
  await publish(ctx.registry, repoOf(plan.targetRef), mirrorTag(plan.targetRef), top);
  return { digest: top.digest, platforms: lockPlatforms(entries, arm64) };
}
