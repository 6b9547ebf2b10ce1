/**
 * What changed between two audits (DESIGN.md "audit --json"): pure, no I/O. The scheduled job
 * (docs/scheduled-audit.md) diffs last week's matrix/support.json against today's.
 *
 * An image "offers arm64" when it was inspected (status ok) and either the reference itself has
 * linux/arm64 or an arm64Alternative names an image that does. A regression is an image that
 * offered arm64 in the old audit and, inspected again, offers neither now: the same reference,
 * or a new reference of the same repository that replaced one that offered it (a tag bump).
 * An image that could not be inspected is never counted as having lost arm64: "could not check"
 * is reported as a status change, not as a loss.
 */
import { InputError } from '../errors.js';
import { isReference, parseReference, repositoryName } from '../reference.js';
import type { Declared } from '../stack-types.js';
import type { ImageReport, ImageStatus } from './inspect.js';
import type { ComponentReport, Support } from './matrix.js';

/**
 * An image as saved: every field the diff reads is in both `audit --json` and matrix/support.json;
 * the rest only in `audit --json`.
 */
export type SavedImage = Pick<ImageReport, 'ref' | 'digest' | 'platforms' | 'arm64' | 'multiArch' | 'arm64Alternative' | 'status' | 'components'>
  & Partial<Pick<ImageReport, 'mediaType' | 'error' | 'locations' | 'note'>>;

/** An audit as saved: `audit --json` output or matrix/support.json. */
export interface SavedAudit {
  images: SavedImage[];
  components: ComponentReport[];
}

export interface Change<T> {
  old: T;
  new: T;
}

/** Fields that changed for a reference present in both audits. */
export interface ImageChange {
  ref: string;
  status?: Change<ImageStatus>;
  digest?: Change<string | null>;
  arm64?: Change<boolean>;
  arm64Alternative?: Change<string | null>;
  multiArch?: Change<boolean>;
  platforms?: Change<string[]>;
}

export interface Regression {
  /** The image that offers no arm64 now. */
  ref: string;
  /** How it offered arm64 before: "arm64" or "alternate docker.io/x/y:1". */
  before: string;
  /** Platforms it offers now. */
  platforms: string[];
  /** The removed reference of the same repository it replaced, for a tag bump. */
  replaces?: string;
}

export interface Gain {
  ref: string;
  /** How it offers arm64 now: "arm64" or "alternate docker.io/x/y:1". */
  now: string;
}

export interface ComponentChange {
  name: string;
  arm64?: Change<Support>;
  multiArch?: Change<Support>;
  build?: Change<Declared>;
}

export interface AuditDiff {
  regressions: Regression[];
  /** Images in both audits, inspected both times, that offer arm64 now and did not before. */
  gained: Gain[];
  images: { added: SavedImage[]; removed: SavedImage[]; changed: ImageChange[] };
  components: { added: ComponentReport[]; removed: ComponentReport[]; changed: ComponentChange[] };
}

const STATUSES: readonly string[] = ['ok', 'not-found', 'unauthorized', 'error'];
const SUPPORTS: readonly string[] = ['yes', 'partial', 'no'];
const DECLARED: readonly string[] = ['yes', 'no', 'unknown'];

type Check = (v: unknown) => boolean;
const isString: Check = (v) => typeof v === 'string' && v !== '';
const isStringOrNull: Check = (v) => v === null || isString(v);
const isBoolean: Check = (v) => typeof v === 'boolean';
const isStringList: Check = (v) => Array.isArray(v) && v.every(isString);
const oneOf = (values: readonly string[]): Check => (v) => typeof v === 'string' && values.includes(v);
const optional = (check: Check): Check => (v) => v === undefined || check(v);

const IMAGE_FIELDS: Array<[keyof SavedImage, Check, string]> = [
  ['ref', isReference, 'must be an image reference'],
  ['digest', isStringOrNull, 'must be a digest or null'],
  ['mediaType', optional(isStringOrNull), 'must be a media type or null'],
  ['platforms', isStringList, 'must be a list of platforms'],
  ['arm64', isBoolean, 'must be true or false'],
  ['multiArch', isBoolean, 'must be true or false'],
  ['arm64Alternative', (v) => v === null || isReference(v), 'must be an image reference or null'],
  ['status', oneOf(STATUSES), `must be one of ${STATUSES.join(', ')}`],
  ['error', optional(isStringOrNull), 'must be a message or null'],
  ['components', isStringList, 'must be a list of component names'],
  ['locations', optional(isStringList), 'must be a list of locations'],
];

const COMPONENT_FIELDS: Array<[keyof ComponentReport, Check, string]> = [
  ['name', isString, 'must be a component name'],
  ['images', isStringList, 'must be a list of image references'],
  ['arm64', oneOf(SUPPORTS), `must be one of ${SUPPORTS.join(', ')}`],
  ['multiArch', oneOf(SUPPORTS), `must be one of ${SUPPORTS.join(', ')}`],
  ['build', oneOf(DECLARED), `must be one of ${DECLARED.join(', ')}`],
];

/** Each entry has the fields, and the first field (ref or name) is unique: the diff keys on it. */
function checkEntries<T>(file: string, list: unknown, key: string, fields: Array<[keyof T, Check, string]>): void {
  if (!Array.isArray(list)) throw new InputError(`${file}: ${key}: must be a list`);
  const seen = new Map<unknown, number>();
  list.forEach((entry: unknown, i) => {
    if (typeof entry !== 'object' || entry === null) throw new InputError(`${file}: ${key}[${i}]: must be an object`);
    const values = entry as Record<string, unknown>;
    for (const [field, check, what] of fields) {
      if (!check(values[field as string])) throw new InputError(`${file}: ${key}[${i}].${String(field)}: ${what}`);
    }
    const id = String(fields[0]?.[0]);
    const first = seen.get(values[id]);
    if (first !== undefined) throw new InputError(`${file}: ${key}[${i}].${id}: duplicate of ${key}[${first}]`);
    seen.set(values[id], i);
  });
}

/** Check the shape of a parsed `audit --json` document or matrix/support.json; errors name the file and the field. */
export function validateSavedAudit(doc: unknown, file: string): SavedAudit {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new InputError(`${file}: not an audit report (expected a JSON object with images and components)`);
  }
  const d = doc as Record<string, unknown>;
  checkEntries<SavedImage>(file, d.images, 'images', IMAGE_FIELDS);
  checkEntries<ComponentReport>(file, d.components, 'components', COMPONENT_FIELDS);
  return d as unknown as SavedAudit;
}

/** "arm64", "alternate docker.io/x/y:1", or null when the image offers no arm64 (or was not inspected). */
export function arm64Source(image: SavedImage): string | null {
  if (image.status !== 'ok') return null;
  if (image.arm64) return 'arm64';
  return image.arm64Alternative === null ? null : `alternate ${image.arm64Alternative}`;
}

/** "sha256:0123456789ab": enough to tell digests apart at a glance. */
export function shortDigest(digest: string): string {
  const colon = digest.indexOf(':');
  return colon < 0 ? digest.slice(0, 12) : digest.slice(0, colon + 13);
}

function change<T>(old: T, now: T, same: (a: T, b: T) => boolean = Object.is): Change<T> | undefined {
  return same(old, now) ? undefined : { old, new: now };
}

/** Unchanged fields stay undefined (and JSON.stringify leaves them out). */
const hasChange = (fields: object): boolean => Object.values(fields).some((v) => typeof v === 'object' && v !== null);

const sameList = (a: string[], b: string[]): boolean => a.length === b.length && [...a].sort().join() === [...b].sort().join();

/** Field changes of one reference; support fields only when both audits could inspect it. */
function imageChange(old: SavedImage, now: SavedImage): ImageChange | undefined {
  const inspected = old.status === 'ok' && now.status === 'ok';
  const fields: ImageChange = {
    ref: now.ref,
    status: change(old.status, now.status),
    digest: old.digest !== null && now.digest !== null ? change(old.digest, now.digest) : undefined,
    arm64: inspected ? change(old.arm64, now.arm64) : undefined,
    arm64Alternative: inspected ? change(old.arm64Alternative, now.arm64Alternative) : undefined,
    multiArch: inspected ? change(old.multiArch, now.multiArch) : undefined,
    platforms: inspected ? change(old.platforms, now.platforms, sameList) : undefined,
  };
  return hasChange(fields) ? fields : undefined;
}

const byRef = (a: { ref: string }, b: { ref: string }): number => a.ref.localeCompare(b.ref);
const byName = (a: { name: string }, b: { name: string }): number => a.name.localeCompare(b.name);

function gains(pairs: Array<[SavedImage, SavedImage]>): Gain[] {
  return pairs.flatMap(([old, now]): Gain[] => {
    const source = arm64Source(now);
    return old.status === 'ok' && arm64Source(old) === null && source !== null ? [{ ref: now.ref, now: source }] : [];
  }).sort(byRef);
}

function regressions(pairs: Array<[SavedImage, SavedImage]>, removed: SavedImage[], added: SavedImage[]): Regression[] {
  const lost = (now: SavedImage): boolean => now.status === 'ok' && arm64Source(now) === null;
  const found: Regression[] = [];
  for (const [old, now] of pairs) {
    const before = arm64Source(old);
    if (before !== null && lost(now)) found.push({ ref: now.ref, before, platforms: now.platforms });
  }
  const repo = (ref: string): string => repositoryName(parseReference(ref));
  for (const now of added.filter(lost)) {
    const replaced = removed.find((old) => repo(old.ref) === repo(now.ref) && arm64Source(old) !== null);
    if (replaced) found.push({ ref: now.ref, before: arm64Source(replaced) as string, platforms: now.platforms, replaces: replaced.ref });
  }
  return found.sort(byRef);
}

function componentChanges(old: ComponentReport[], now: ComponentReport[]): AuditDiff['components'] {
  const before = new Map(old.map((c) => [c.name, c]));
  const after = new Map(now.map((c) => [c.name, c]));
  const changed: ComponentChange[] = [];
  for (const c of now) {
    const o = before.get(c.name);
    if (!o) continue;
    const fields: ComponentChange = {
      name: c.name,
      arm64: change(o.arm64, c.arm64),
      multiArch: change(o.multiArch, c.multiArch),
      build: change(o.build, c.build),
    };
    if (hasChange(fields)) changed.push(fields);
  }
  return {
    added: now.filter((c) => !before.has(c.name)).sort(byName),
    removed: old.filter((c) => !after.has(c.name)).sort(byName),
    changed: changed.sort(byName),
  };
}

/** Everything that changed from `old` to `now`, sorted by reference and component name. */
export function diffAudits(old: SavedAudit, now: SavedAudit): AuditDiff {
  const before = new Map(old.images.map((i) => [i.ref, i]));
  const after = new Map(now.images.map((i) => [i.ref, i]));
  const added = now.images.filter((i) => !before.has(i.ref)).sort(byRef);
  const removed = old.images.filter((i) => !after.has(i.ref)).sort(byRef);
  const pairs = now.images.flatMap((i): Array<[SavedImage, SavedImage]> => {
    const o = before.get(i.ref);
    return o ? [[o, i]] : [];
  });
  const changed = pairs.flatMap(([o, i]) => imageChange(o, i) ?? []).sort(byRef);
  return {
    regressions: regressions(pairs, removed, added),
    gained: gains(pairs),
    images: { added, removed, changed },
    components: componentChanges(old.components, now.components),
  };
}
