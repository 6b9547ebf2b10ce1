/**
 * Index bytes the mirror writes (pure): an index trimmed to some platforms, and a composed index
 * (upstream platforms + an arm64 manifest from elsewhere) with each entry's origin annotated.
 * Entries are kept as the JSON they came in, so fields we do not model (os.version, features) survive.
 * Output is deterministic: the same inputs give the same bytes, hence the same digest on a re-run.
 */
import { digestOf } from '../digest.js';
import type { Descriptor } from '../manifest.js';
import { MediaType, isAttestation, parseManifest } from '../manifest.js';
import { formatPlatform, normalizePlatform, type Platform } from '../platform.js';

/** Annotation on every entry of a composed index: "upstream docker.io/x:1", "alternate docker.io/y:1-arm64". */
export const ORIGIN_ANNOTATION = 'io.ampere-images.origin';

/** buildkit names the manifest an attestation is about with this annotation. */
const SUBJECT_ANNOTATION = 'vnd.docker.reference.digest';

export interface IndexEntry {
  /** The entry as JSON, exactly as the index had it. */
  raw: Record<string, unknown>;
  descriptor: Descriptor;
  /** Normalised "linux/amd64"; undefined for attestations and entries without a platform. */
  platform?: string;
}

export interface ComposedIndex {
  bytes: Uint8Array;
  digest: string;
  mediaType: string;
}

function indexDocument(bytes: Uint8Array): Record<string, unknown> & { manifests: unknown[] } {
  const doc = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
  if (!Array.isArray(doc.manifests)) throw new Error('index has no manifests array');
  return doc as Record<string, unknown> & { manifests: unknown[] };
}

/** The entries of index bytes, with their normalised platform. */
export function indexEntries(bytes: Uint8Array): IndexEntry[] {
  const parsed = parseManifest(bytes);
  if (parsed.kind !== 'index') throw new Error('not an index');
  const raws = indexDocument(bytes).manifests as Array<Record<string, unknown>>;
  return parsed.manifests.map((descriptor, i) => {
    const entry: IndexEntry = { raw: raws[i]!, descriptor };
    if (descriptor.platform && !isAttestation(descriptor)) entry.platform = formatPlatform(descriptor.platform);
    return entry;
  });
}

/**
 * The entries to keep for `platforms`: platform entries listed there, and attestations whose
 * subject is kept (an attestation of a dropped platform would point at nothing).
 */
export function selectEntries(entries: IndexEntry[], platforms: string[]): IndexEntry[] {
  const kept = entries.filter((e) => e.platform !== undefined && platforms.includes(e.platform));
  const keptDigests = new Set(kept.map((e) => e.descriptor.digest));
  return entries.filter((e) => {
    if (e.platform !== undefined) return keptDigests.has(e.descriptor.digest);
    const subject = e.descriptor.annotations?.[SUBJECT_ANNOTATION];
    return subject !== undefined && keptDigests.has(subject);
  });
}

function finish(doc: Record<string, unknown>, mediaType: string): ComposedIndex {
  const bytes = Buffer.from(JSON.stringify(doc));
  return { bytes, digest: digestOf(bytes), mediaType };
}

/** The source index with only `entries` left; its other fields (mediaType, annotations) kept. */
export function trimIndex(bytes: Uint8Array, entries: IndexEntry[]): ComposedIndex {
  const doc = indexDocument(bytes);
  const mediaType = typeof doc.mediaType === 'string' ? doc.mediaType : MediaType.OciIndex;
  return finish({ ...doc, manifests: entries.map((e) => e.raw) }, mediaType);
}

/** The entry with `platform` written into it (a new index says what each entry runs on). */
export function withPlatform(entry: Pick<IndexEntry, 'raw' | 'descriptor'>, platform: Platform): IndexEntry {
  const p = normalizePlatform(platform);
  const rawPlatform: Record<string, string> = { architecture: p.architecture, os: p.os };
  if (p.variant) rawPlatform.variant = p.variant;
  return { raw: { ...entry.raw, platform: rawPlatform }, descriptor: { ...entry.descriptor, platform: p }, platform: formatPlatform(p) };
}

/** An entry for a manifest that was not in an index (a single upstream image, an arm64 from elsewhere). */
export function entryFor(descriptor: Pick<Descriptor, 'mediaType' | 'digest' | 'size'>, platform: Platform): IndexEntry {
  const raw = { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size };
  return withPlatform({ raw, descriptor: { ...descriptor } }, platform);
}

/** The entry with the origin annotation added (platform entries only; attestations stay as they were). */
export function withOrigin(entry: IndexEntry, origin: string): IndexEntry {
  if (entry.platform === undefined) return entry;
  const annotations = { ...(entry.raw.annotations as Record<string, string> | undefined), [ORIGIN_ANNOTATION]: origin };
  return { ...entry, raw: { ...entry.raw, annotations } };
}

/** A new OCI index of `entries`, in the order given. */
export function composeIndex(entries: IndexEntry[]): ComposedIndex {
  return finish({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: entries.map((e) => e.raw) }, MediaType.OciIndex);
}
