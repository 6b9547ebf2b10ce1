/**
 * kustomize's side of image references: reading a kustomization's file lists and `images:`
 * overrides, and applying an override the way kustomize 5 does. Matching is on the name as
 * written, not the canonical form (`nginx` does not match `docker.io/library/nginx`); a name with
 * a tag matches only that tag; entries apply one after another. Checked against
 * `kubectl kustomize` (kustomize v5.5). Pure: parsed values in, values out.
 */
import { InputError } from '../errors.js';

export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

export interface ImageOverride {
  /** Written name, optionally with a tag: "nginx", "nginx:1.7.9". */
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

export interface Kustomization {
  /** `resources` and the older `bases`: files and folders, relative to the kustomization. */
  resources: string[];
  components: string[];
  /** Patch files (`patches[].path`, `patchesStrategicMerge`): they can set images too. */
  patches: string[];
  images: ImageOverride[];
}

/** "quay.io/x:1@sha256:…" -> name "quay.io/x", tag "1", digest "sha256:…"; ports are not tags. */
export function splitImage(written: string): { name: string; tag?: string; digest?: string } {
  const at = written.indexOf('@');
  const digest = at >= 0 ? written.slice(at + 1) : undefined;
  const rest = at >= 0 ? written.slice(0, at) : written;
  const colon = rest.lastIndexOf(':');
  const out: { name: string; tag?: string; digest?: string } =
    colon > rest.lastIndexOf('/') ? { name: rest.slice(0, colon), tag: rest.slice(colon + 1) } : { name: rest };
  if (digest !== undefined) out.digest = digest;
  return out;
}

export function overrideMatches(written: string, o: ImageOverride): boolean {
  if (o.name.includes('@')) return false;
  const image = splitImage(written);
  const want = splitImage(o.name);
  return image.name === want.name && (want.tag === undefined || want.tag === image.tag);
}

/** `written` after one override; unchanged when the override does not match. */
export function applyOverride(written: string, o: ImageOverride): string {
  if (!overrideMatches(written, o)) return written;
  const image = splitImage(written);
  let suffix: string;
  if (o.newTag !== undefined && o.digest !== undefined) suffix = `:${o.newTag}@${o.digest}`;
  else if (o.newTag !== undefined) suffix = `:${o.newTag}`;
  else if (o.digest !== undefined) suffix = `@${o.digest}`;
  else suffix = `${image.tag === undefined ? '' : `:${image.tag}`}${image.digest === undefined ? '' : `@${image.digest}`}`;
  return `${o.newName ?? image.name}${suffix}`;
}

export function applyOverrides(written: string, overrides: ImageOverride[]): string {
  return overrides.reduce(applyOverride, written);
}

/** Remote resources (git, http) are not read: the tool works offline. */
export function isRemote(resource: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(resource) || /^(?:github\.com|gitlab\.com|bitbucket\.org)\//.test(resource) || resource.includes('?ref=');
}

/** The fields of a parsed kustomization this tool needs; wrong shapes name the file and field. */
export function readKustomization(doc: unknown, file: string): Kustomization {
  const fail = (field: string, what: string): never => {
    throw new InputError(`${file}: ${field}: ${what}`);
  };
  if (doc === null || doc === undefined) return { resources: [], components: [], patches: [], images: [] };
  if (typeof doc !== 'object' || Array.isArray(doc)) fail('top level', 'expected a mapping');
  const k = doc as Record<string, unknown>;
  const strings = (field: string): string[] => {
    const v = k[field] ?? [];
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) fail(field, 'expected a list of paths');
    return v as string[];
  };
  const patches = [...(Array.isArray(k.patches) ? k.patches : [])]
    .map((p: unknown) => (p && typeof p === 'object' ? (p as Record<string, unknown>).path : undefined))
    .filter((p): p is string => typeof p === 'string');
  // Inline strategic-merge patches are YAML text, not file names.
  patches.push(...strings('patchesStrategicMerge').filter((p) => !p.includes('\n')));
  return {
    resources: [...strings('resources'), ...strings('bases')],
    components: strings('components'),
    patches,
    images: imageOverrides(k.images, fail),
  };
}

function imageOverrides(value: unknown, fail: (field: string, what: string) => never): ImageOverride[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) fail('images', 'expected a list');
  return (value as unknown[]).map((e, i) => {
    if (!e || typeof e !== 'object') fail(`images[${i}]`, 'expected a mapping');
    const entry = e as Record<string, unknown>;
    const text = (key: string): string | undefined => {
      const v = entry[key];
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'string' && typeof v !== 'number') fail(`images[${i}].${key}`, 'expected a string');
      return String(v);
    };
    const name = text('name');
    if (name === undefined) return fail(`images[${i}].name`, 'missing');
    const o: ImageOverride = { name };
    for (const key of ['newName', 'newTag', 'digest'] as const) {
      const v = text(key);
      if (v !== undefined) o[key] = v;
    }
    return o;
  });
}
