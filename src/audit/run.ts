/**
 * One audit: inspect every target with bounded concurrency, check declared release files, then
 * roll the facts up into components and support-table rows.
 */
import pLimit from 'p-limit';
import type { Registry } from '../registry/types.js';
import type { Stack } from '../stack-types.js';
import { checkArtifacts, type ArtifactProbe, type ArtifactReport } from './artifacts.js';
import type { Collection, InvalidImage } from './collect.js';
import { inspectImage, type ImageReport } from './inspect.js';
import { buildMatrix, type ComponentReport, type SupportRow } from './matrix.js';

export interface AuditReport {
  images: ImageReport[];
  components: ComponentReport[];
  rows: SupportRow[];
  /** Values in manifests that look like images but do not parse. */
  invalid: InvalidImage[];
}

export interface AuditRun {
  registry: Registry;
  collection: Collection;
  stack?: Stack;
  probe: ArtifactProbe;
  /** Images inspected at once (default 16); the client also limits requests per host. */
  concurrency?: number;
  onProgress?: (done: number, total: number, ref: string) => void;
}

export async function runAudit(run: AuditRun): Promise<AuditReport> {
  const limit = pLimit(run.concurrency ?? 16);
  const { targets } = run.collection;
  let done = 0;
  const images = await Promise.all(targets.map((t) => limit(async () => {
    const report = await inspectImage(run.registry, t.ref, { alternates: t.alternates });
    run.onProgress?.(++done, targets.length, t.ref);
    return { ...report, components: t.components, locations: t.locations };
  })));
  const artifacts = new Map<string, ArtifactReport[]>();
  for (const c of run.stack?.components ?? []) {
    if (c.artifacts.length > 0) artifacts.set(c.name, await checkArtifacts(c.artifacts, run.probe));
  }
  const matrix = buildMatrix(run.stack, images, artifacts);
  return { images, components: matrix.components, rows: matrix.rows, invalid: run.collection.invalid };
}

/** Under --strict: an image without arm64 (nor an alternate), one not inspected, or an invalid value. */
export function strictFindings(report: AuditReport): string[] {
  const findings: string[] = [];
  for (const image of report.images) {
    if (image.status !== 'ok') findings.push(`${image.ref}: ${image.status}${image.error ? ` (${image.error})` : ''}`);
    else if (!image.arm64 && image.arm64Alternative === null) findings.push(`${image.ref}: no linux/arm64`);
  }
  for (const bad of report.invalid) findings.push(`${bad.location}: ${bad.error}`);
  return findings;
}
