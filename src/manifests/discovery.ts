/**
 * The result of looking for images (DESIGN.md "images --json"): one entry per canonical
 * reference with every place it was found, and the values that look like images but do not parse.
 * Pure: hits in, a Discovery out.
 */
import { InvalidReference } from '../errors.js';
import { formatReference, parseReference } from '../reference.js';
import { formatPath, type Candidate } from './candidates.js';
import type { ManifestFile } from './files.js';

export interface FoundImage {
  /** Canonical: "docker.io/library/busybox:1.36". */
  ref: string;
  /** As written where it was first found (after kustomize overrides): "busybox:1.36". */
  written: string;
  /** "manifests/x.yaml: Deployment shop/web spec.template.spec.initContainers[0].image". */
  locations: string[];
}

export interface InvalidImage {
  value: string;
  location: string;
  error: string;
}

export interface Discovery {
  images: FoundImage[];
  invalid: InvalidImage[];
}

/** One candidate found in one file, with what kustomize makes of it. */
export interface Hit {
  file: ManifestFile;
  candidate: Candidate;
  /** The reference that is pulled: the candidate's value after the kustomize overrides that reach it. */
  written: string;
  /** Read through a kustomize root (not as a plain file). */
  kustomized: boolean;
}

export function hitLocation(hit: Hit): string {
  const { resource, path } = hit.candidate;
  return `${hit.file.name}: ${resource} ${formatPath(path)}`;
}

/** The canonical reference of a hit, or why it has none. */
export function resolveHit(hit: Hit): { ref: string } | { error: string } {
  const problem = hit.candidate.composite?.problem;
  if (problem) return { error: problem };
  try {
    return { ref: formatReference(parseReference(hit.written)) };
  } catch (err) {
    if (err instanceof InvalidReference) return { error: err.reason };
    throw err;
  }
}

/** Hits grouped by canonical reference; values that do not parse go to `invalid`. */
export function summarize(hits: Hit[], problems: InvalidImage[] = []): Discovery {
  const images: FoundImage[] = [];
  const invalid = [...problems];
  for (const hit of hits) {
    const location = hitLocation(hit);
    const resolved = resolveHit(hit);
    if ('error' in resolved) invalid.push({ value: hit.written, location, error: resolved.error });
    else images.push({ ref: resolved.ref, written: hit.written, locations: [location] });
  }
  return mergeDiscoveries([{ images, invalid }]);
}

/** Several discoveries as one: one entry per reference (sorted), locations joined in first-seen order. */
export function mergeDiscoveries(parts: Discovery[]): Discovery {
  const byRef = new Map<string, FoundImage>();
  for (const img of parts.flatMap((p) => p.images)) {
    const found = byRef.get(img.ref);
    if (!found) byRef.set(img.ref, { ...img, locations: [...img.locations] });
    else for (const l of img.locations) if (!found.locations.includes(l)) found.locations.push(l);
  }
  const images = [...byRef.values()].sort((a, b) => byCodePoint(a.ref, b.ref));
  return { images, invalid: uniqueBy(parts.flatMap((p) => p.invalid), invalidKey) };
}

/** Sort order that does not depend on the locale: same output on every machine. */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A file reached twice (a base in two overlays) yields the same entries twice: keep the first. */
export function uniqueBy<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export const invalidKey = (i: InvalidImage): string => `${i.location}\n${i.value}\n${i.error}`;
