/** What a mirror run did, counted and rendered: a few lines for people, or the --json document. */
import type { BlobStats } from './blobs.js';
import { describePlan } from './plan.js';
import { formatBytes } from './progress.js';
import type { ImageOutcome, ImageResult, MirrorRun } from './run.js';

export type ImageCounts = Record<ImageResult, number>;

export interface MirrorSummary {
  images: ImageCounts;
  blobs: BlobStats;
}

export function summarize(run: Pick<MirrorRun, 'images' | 'blobs'>): MirrorSummary {
  const images: ImageCounts = { copied: 0, composed: 0, built: 0, unavailable: 0, 'up-to-date': 0, planned: 0, failed: 0 };
  for (const i of run.images) images[i.result]++;
  return { images, blobs: { ...run.blobs } };
}

const LABELS: Array<[ImageResult, string]> = [
  ['copied', 'copied'], ['composed', 'composed'], ['built', 'built'], ['unavailable', 'without arm64 (unavailable)'],
  ['up-to-date', 'up to date'], ['planned', 'planned'], ['failed', 'failed'],
];

export function renderSummary(s: MirrorSummary): string {
  const images = LABELS.filter(([k]) => s.images[k] > 0 || k === 'failed').map(([k, label]) => `${s.images[k]} ${label}`);
  const { copied, skipped, mounted, bytes } = s.blobs;
  return [
    `images: ${images.join(', ')}`,
    `blobs: ${copied} copied (${formatBytes(bytes)}), ${skipped} already there, ${mounted} mounted`,
  ].join('\n');
}

function imageJson(o: ImageOutcome): Record<string, unknown> {
  const out: Record<string, unknown> = {
    source: o.source, target: o.target, action: o.action, result: o.result, digest: o.digest,
    platforms: o.platforms, reason: o.reason, error: o.error,
  };
  if (o.commands) out.commands = o.commands;
  return out;
}

/** The --json document. */
export function mirrorJson(run: MirrorRun, lockFile: string | null): Record<string, unknown> {
  return { registry: run.lock.registry, lock: lockFile, images: run.images.map(imageJson), summary: summarize(run) };
}

/** --dry-run: what each image would get, and the builder commands a build would run. */
export function renderPlan(run: Pick<MirrorRun, 'images'>): string {
  return run.images.map((o) => {
    if (o.result === 'up-to-date') return `skip ${o.source} (up to date at ${o.target})`;
    if (o.result === 'failed') return `fail ${o.source}: ${o.error}`;
    return o.plan ? describePlan(o.plan, o.commands) : `${o.result} ${o.source}`;
  }).join('\n');
}
