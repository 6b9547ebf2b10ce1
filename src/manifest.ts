/**
 * Manifest media types and checked parsing of what a registry sends
 * (OCI image-spec manifest.md / image-index.md, Docker image manifest v2 schema 2). No I/O.
 */
import type { Platform } from './platform.js';
import { isRealPlatform, normalizePlatform } from './platform.js';

export const MediaType = {
  OciIndex: 'application/vnd.oci.image.index.v1+json',
  OciManifest: 'application/vnd.oci.image.manifest.v1+json',
  OciConfig: 'application/vnd.oci.image.config.v1+json',
  DockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  DockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  DockerConfig: 'application/vnd.docker.container.image.v1+json',
  DockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  DockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

/** Sent on every manifest request, most preferred first. */
export const MANIFEST_ACCEPT = [
  MediaType.OciIndex,
  MediaType.DockerList,
  MediaType.OciManifest,
  MediaType.DockerManifest,
  MediaType.DockerSchema1Signed,
  MediaType.DockerSchema1,
].join(', ');

/** The distribution registry refuses manifests over 4 MiB; so do we. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
  artifactType?: string;
  urls?: string[];
}

export interface IndexManifest {
  kind: 'index';
  mediaType: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  kind: 'image';
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

/** Schema 1: recognised so it can be reported, never copied or composed. */
export interface LegacyManifest {
  kind: 'legacy';
  mediaType: string;
  architecture?: string;
}

export type Manifest = IndexManifest | ImageManifest | LegacyManifest;

export class ManifestError extends Error {
  override name = 'ManifestError';
}

export function isIndexMediaType(mt: string): boolean {
  return mt === MediaType.OciIndex || mt === MediaType.DockerList;
}

export function isImageMediaType(mt: string): boolean {
  return mt === MediaType.OciManifest || mt === MediaType.DockerManifest;
}

/** A config of one of these makes an image manifest a runnable image, not an artifact. */
export function isImageConfigMediaType(mt: string): boolean {
  return mt === MediaType.OciConfig || mt === MediaType.DockerConfig;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringMap(v: unknown): Record<string, string> | undefined {
  if (!isObject(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  return out;
}

function parseDescriptor(v: unknown, where: string): Descriptor {
  if (!isObject(v)) throw new ManifestError(`${where}: descriptor is not an object`);
  const { mediaType, digest, size } = v;
  if (typeof mediaType !== 'string') throw new ManifestError(`${where}: mediaType missing`);
  if (typeof digest !== 'string' || !/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(digest)) {
    throw new ManifestError(`${where}: invalid digest`);
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new ManifestError(`${where}: invalid size`);
  }
  const d: Descriptor = { mediaType, digest, size };
  if (isObject(v.platform)) {
    const p = v.platform;
    if (typeof p.os === 'string' && typeof p.architecture === 'string') {
      const platform: Platform = { os: p.os, architecture: p.architecture };
      if (typeof p.variant === 'string' && p.variant) platform.variant = p.variant;
      d.platform = platform;
    }
  }
  const annotations = stringMap(v.annotations);
  if (annotations) d.annotations = annotations;
  if (typeof v.artifactType === 'string') d.artifactType = v.artifactType;
  if (Array.isArray(v.urls)) d.urls = v.urls.filter((u): u is string => typeof u === 'string');
  return d;
}

/**
 * Parse manifest bytes. The media type comes from the body when it has one, else from the
 * Content-Type header (OCI allows an index/manifest without mediaType).
 */
export function parseManifest(bytes: Uint8Array, contentType?: string): Manifest {
  if (bytes.byteLength > MAX_MANIFEST_BYTES) {
    throw new ManifestError(`manifest is ${bytes.byteLength} bytes, over the 4 MiB limit`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new ManifestError('manifest is not valid JSON');
  }
  if (!isObject(doc)) throw new ManifestError('manifest is not a JSON object');
  const header = contentType?.split(';')[0]?.trim();
  let mediaType = typeof doc.mediaType === 'string' ? doc.mediaType : header ?? '';
  if (doc.schemaVersion === 1 || mediaType === MediaType.DockerSchema1 || mediaType === MediaType.DockerSchema1Signed) {
    const m: LegacyManifest = { kind: 'legacy', mediaType: mediaType || MediaType.DockerSchema1Signed };
    if (typeof doc.architecture === 'string') m.architecture = doc.architecture;
    return m;
  }
  if (doc.schemaVersion !== 2) throw new ManifestError(`unsupported schemaVersion ${String(doc.schemaVersion)}`);
  if (!mediaType) mediaType = Array.isArray(doc.manifests) ? MediaType.OciIndex : MediaType.OciManifest;
  const annotations = stringMap(doc.annotations);
  if (isIndexMediaType(mediaType)) {
    if (!Array.isArray(doc.manifests)) throw new ManifestError('index has no manifests array');
    const manifests = doc.manifests.map((d, i) => parseDescriptor(d, `manifests[${i}]`));
    return annotations ? { kind: 'index', mediaType, manifests, annotations } : { kind: 'index', mediaType, manifests };
  }
  if (isImageMediaType(mediaType)) {
    const config = parseDescriptor(doc.config, 'config');
    if (!Array.isArray(doc.layers)) throw new ManifestError('image manifest has no layers array');
    const layers = doc.layers.map((d, i) => parseDescriptor(d, `layers[${i}]`));
    const m: ImageManifest = { kind: 'image', mediaType, config, layers };
    if (annotations) m.annotations = annotations;
    return m;
  }
  throw new ManifestError(`unsupported manifest media type "${mediaType}"`);
}

/** Attestation manifests (buildkit) and signatures sit in an index but are not platforms. */
export function isAttestation(d: Descriptor): boolean {
  if (d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') return true;
  return d.platform !== undefined && !isRealPlatform(d.platform);
}

/** The real platform entries of an index, normalised; entries without a platform are skipped. */
export function indexPlatformEntries(index: IndexManifest): Array<{ descriptor: Descriptor; platform: Platform }> {
  const out: Array<{ descriptor: Descriptor; platform: Platform }> = [];
  for (const d of index.manifests) {
    if (!d.platform || isAttestation(d)) continue;
    out.push({ descriptor: d, platform: normalizePlatform(d.platform) });
  }
  return out;
}

/** The platform an image config blob (OCI image-spec config.md) declares. */
export function platformFromConfig(bytes: Uint8Array): Platform {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new ManifestError('image config is not valid JSON');
  }
  if (!isObject(doc) || typeof doc.architecture !== 'string' || typeof doc.os !== 'string') {
    throw new ManifestError('image config lacks os/architecture');
  }
  const p: Platform = { os: doc.os, architecture: doc.architecture };
  if (typeof doc.variant === 'string' && doc.variant) p.variant = doc.variant;
  return normalizePlatform(p);
}
