/**
 * The mirror lock file (DESIGN.md "Mirror naming and lock"): what was mirrored where, by digest,
 * and where each platform came from. Written by mirror, read by rewrite and install.
 */
import { InputError } from './errors.js';
import { readJsonFile, writeFileAtomic } from './files.js';
import { isReference, isSha256Digest } from './reference.js';

export interface LockPlatform {
  digest: string;
  /** "upstream", "alternate docker.io/x/y:1", "built images/flannel". */
  from: string;
}

export interface LockEntry {
  /** Canonical source reference: "docker.io/library/busybox:1.36". */
  source: string;
  sourceDigest: string;
  /** "127.0.0.1:5000/docker.io/library/busybox:1.36". */
  target: string;
  /** Digest of the target index (or manifest). */
  digest: string;
  platforms: Record<string, LockPlatform>;
}

export interface Lock {
  registry: string;
  images: LockEntry[];
}

export const DEFAULT_LOCK = 'mirror.lock.json';

function field(file: string, where: string, value: unknown, check: (v: unknown) => boolean, what: string): void {
  if (!check(value)) throw new InputError(`${file}: ${where}: ${what}`);
}

const isString = (v: unknown): boolean => typeof v === 'string' && v !== '';
const isDigest = (v: unknown): boolean => typeof v === 'string' && isSha256Digest(v);

/** Check the shape of a parsed lock; errors name the file and the field. */
export function validateLock(doc: unknown, file: string): Lock {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new InputError(`${file}: not a lock file (expected a JSON object)`);
  const d = doc as Record<string, unknown>;
  field(file, 'registry', d.registry, isString, 'must be a registry host');
  field(file, 'images', d.images, Array.isArray, 'must be a list');
  (d.images as unknown[]).forEach((e, i) => {
    const where = `images[${i}]`;
    if (typeof e !== 'object' || e === null) throw new InputError(`${file}: ${where}: must be an object`);
    const entry = e as Record<string, unknown>;
    field(file, `${where}.source`, entry.source, isReference, 'must be an image reference');
    field(file, `${where}.target`, entry.target, isReference, 'must be an image reference');
    field(file, `${where}.sourceDigest`, entry.sourceDigest, isDigest, 'must be a sha256 digest');
    field(file, `${where}.digest`, entry.digest, isDigest, 'must be a sha256 digest');
    const platforms = entry.platforms;
    if (typeof platforms !== 'object' || platforms === null || Array.isArray(platforms)) {
      throw new InputError(`${file}: ${where}.platforms: must be an object`);
    }
    for (const [p, v] of Object.entries(platforms)) {
      const pv = v as Record<string, unknown> | null;
      field(file, `${where}.platforms["${p}"].digest`, pv?.digest, isDigest, 'must be a sha256 digest');
      field(file, `${where}.platforms["${p}"].from`, pv?.from, isString, 'must say where the platform came from');
    }
  });
  return d as unknown as Lock;
}

export async function readLock(file: string): Promise<Lock> {
  return validateLock(await readJsonFile(file, 'lock file'), file);
}

/** Entries sorted by source so that the file diffs cleanly. */
export async function writeLock(file: string, lock: Lock): Promise<void> {
  const images = [...lock.images].sort((a, b) => a.source.localeCompare(b.source));
  await writeFileAtomic(file, `${JSON.stringify({ registry: lock.registry, images }, null, 2)}\n`);
}
