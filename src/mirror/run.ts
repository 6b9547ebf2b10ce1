/**
 * The mirror run: per image, resolve the source, plan, skip when the lock says it is done, else
 * copy or compose; images in parallel (p-limit), one failure never stops the others.
 */
import pLimit from 'p-limit';
import { describeError } from '../errors.js';
import type { Lock, LockEntry, LockPlatform } from '../lock.js';
import { formatReference, parseReference } from '../reference.js';
import type { Registry } from '../registry/types.js';
import { BlobCopier, type BlobStats } from './blobs.js';
import { mirrorImage } from './image.js';
import { findEntry, homesFromLock, lockEntry, lockedAlternate, matchesPlan, mergeLock } from './lock-entries.js';
import { mirrorReference, mirrorTag, needsAlternative, planImage, type ImageFacts, type MirrorAction, type PlannedImage, type SourceImage } from './plan.js';
import type { Progress } from './progress.js';
import {
  alternateArm64, builtArm64, repoOf, resolveSource, type Arm64Manifest, type BuildFn, type BuildSettings,
} from './resolve.js';

export type ImageResult = 'copied' | 'composed' | 'built' | 'unavailable' | 'up-to-date' | 'planned' | 'failed';

export interface ImageOutcome {
  source: string;
  target: string | null;
  action: MirrorAction | null;
  result: ImageResult;
  /** What the target tag points at (null when nothing was pushed). */
  digest: string | null;
  platforms: Record<string, LockPlatform>;
  /** Why arm64 is unavailable. */
  reason: string | null;
  error: string | null;
  /** --dry-run of a build: the builder commands. */
  commands?: string[];
  plan?: PlannedImage;
}

export interface MirrorSettings {
  /** Target registry host: "127.0.0.1:5000". */
  registry: string;
  platforms?: string[];
  build: boolean;
  dryRun: boolean;
  /** Images in flight, and blob operations in flight. */
  imageConcurrency: number;
  blobConcurrency: number;
  /** The lock of an earlier run, if any. */
  lock?: Lock;
  /** The audit's probe for a separate arm64 image. */
  findAlternative?: (ref: string) => Promise<string | null>;
  buildImage?: BuildFn;
  buildSettings: BuildSettings;
  progress: Progress;
}

export interface MirrorRun {
  images: ImageOutcome[];
  blobs: BlobStats;
  lock: Lock;
}

const RESULT: Record<MirrorAction, ImageResult> = { copy: 'copied', compose: 'composed', build: 'built', unavailable: 'unavailable' };

interface Job {
  registry: Registry;
  blobs: BlobCopier;
  settings: MirrorSettings;
}

function outcomeOf(plan: PlannedImage, result: ImageResult, entry?: LockEntry): ImageOutcome {
  return {
    source: plan.source, target: entry?.target ?? plan.target, action: plan.action, result, digest: entry?.digest ?? null,
    platforms: entry?.platforms ?? {}, reason: plan.reason ?? null, error: null, plan,
  };
}

async function planFor(job: Job, source: SourceImage, previous: LockEntry | undefined) {
  const { registry, settings } = job;
  const resolved = await resolveSource(registry, parseReference(source.ref));
  const facts: ImageFacts = { digest: resolved.fetched.digest, platforms: resolved.platforms, arm64Alternative: null };
  if (needsAlternative(source, facts, settings.platforms)) {
    facts.arm64Alternative = lockedAlternate(previous, facts.digest) ?? (await settings.findAlternative?.(source.ref)) ?? null;
  }
  return { resolved, plan: planImage(source, facts, settings) };
}

/** The lock entry, when it records exactly this plan and the target tag still points at it. */
async function currentEntry(registry: Registry, plan: PlannedImage, entry: LockEntry | undefined, sourceDigest: string): Promise<LockEntry | undefined> {
  if (!entry || !matchesPlan(entry, plan, sourceDigest)) return undefined;
  const head = await registry.headManifest(repoOf(plan.targetRef), mirrorTag(plan.targetRef) ?? entry.digest);
  return head?.digest === entry.digest ? entry : undefined;
}

async function arm64For(job: Job, plan: PlannedImage): Promise<Arm64Manifest | undefined> {
  if (plan.action === 'compose' && plan.alternate) return alternateArm64(job.registry, plan.alternate);
  if (plan.action === 'build') {
    if (!job.settings.buildImage) throw new Error('no builder available');
    return builtArm64(job.registry, job.settings.buildImage, plan, job.settings.buildSettings);
  }
  return undefined;
}

async function dryRunOutcome(job: Job, plan: PlannedImage): Promise<ImageOutcome> {
  const outcome = outcomeOf(plan, 'planned');
  if (plan.action === 'build' && plan.recipe && plan.buildTarget && job.settings.buildImage) {
    const built = await job.settings.buildImage(plan.recipe, {
      ...job.settings.buildSettings, target: plan.buildTarget, platform: 'linux/arm64', dryRun: true,
    });
    outcome.commands = built.commands;
  }
  return outcome;
}

async function mirrorOne(job: Job, source: SourceImage): Promise<{ outcome: ImageOutcome; entry?: LockEntry }> {
  const { registry, settings } = job;
  const previous = findEntry(settings.lock?.registry === settings.registry ? settings.lock : undefined, source.ref);
  const { resolved, plan } = await planFor(job, source, previous);
  const sourceDigest = resolved.fetched.digest;
  const current = await currentEntry(registry, plan, previous, sourceDigest);
  if (current) return { outcome: outcomeOf(plan, 'up-to-date', current), entry: current };
  if (settings.dryRun) return { outcome: await dryRunOutcome(job, plan) };
  if (plan.action === 'unavailable' && plan.platforms.length === 0) return { outcome: outcomeOf(plan, 'unavailable') };
  const onBytes = (n: number): void => settings.progress.bytes(source.ref, n);
  const arm64 = await arm64For(job, plan);
  const mirrored = await mirrorImage({ registry, blobs: job.blobs, onBytes }, plan, resolved, arm64);
  const entry = lockEntry(plan, sourceDigest, mirrored);
  return { outcome: outcomeOf(plan, RESULT[plan.action], entry), entry };
}

function failed(source: SourceImage, settings: MirrorSettings, err: unknown): ImageOutcome {
  let target: string | null = null;
  try {
    target = formatReference(mirrorReference(settings.registry, parseReference(source.ref)));
  } catch {
    // An unparsable source has no target.
  }
  return { source: source.ref, target, action: null, result: 'failed', digest: null, platforms: {}, reason: null, error: withoutRef(source.ref, describeError(err)) };
}

/** Failure lines already name the image: drop the error's own "<ref>: " prefix so it appears once. */
function withoutRef(ref: string, message: string): string {
  return message.startsWith(`${ref}: `) ? message.slice(ref.length + 2) : message;
}

/** Mirror every source; the returned lock merges this run's entries into the earlier lock. */
export async function runMirror(registry: Registry, sources: SourceImage[], settings: MirrorSettings): Promise<MirrorRun> {
  const blobs = new BlobCopier(registry, {
    concurrency: settings.blobConcurrency,
    knownHomes: homesFromLock(registry, settings.lock, settings.registry),
    onTransfer: (size) => settings.progress.expect(size),
  });
  const job: Job = { registry, blobs, settings };
  const limit = pLimit(Math.max(1, settings.imageConcurrency));
  const results = await Promise.all(sources.map((source) => limit(async () => {
    settings.progress.start(source.ref);
    let result: { outcome: ImageOutcome; entry?: LockEntry };
    try {
      result = await mirrorOne(job, source);
    } catch (err) {
      result = { outcome: failed(source, settings, err) };
    }
    settings.progress.finish(source.ref, describeOutcome(result.outcome));
    return result;
  })));
  settings.progress.close();
  const entries = results.flatMap((r) => (r.entry ? [r.entry] : []));
  return { images: results.map((r) => r.outcome), blobs: blobs.stats, lock: mergeLock(settings.lock, settings.registry, entries) };
}

/** One line per image, for logs and the progress display. */
export function describeOutcome(o: ImageOutcome): string {
  const arrow = o.target ? ` -> ${o.target}` : '';
  const detail = o.error ?? o.reason;
  return `${o.result} ${o.source}${arrow}${detail ? `: ${detail}` : ''}`;
}
