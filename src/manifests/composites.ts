/**
 * References assembled from several fields:
 * - prometheus-operator's older `baseImage` + `version` (or `tag`, or `sha`) in Prometheus,
 *   Alertmanager and a Prometheus's `thanos` section: the operator pulls baseImage:version
 *   (baseImage@sha256:sha before baseImage:tag before baseImage:version), unless `image` is set;
 * - a kustomize file's `images:` entries (name, newName, newTag, digest) read as a plain file:
 *   what is pulled is the replacement, newName:newTag.
 * Pure: parsed YAML nodes in, values out.
 */
import { isMap, isScalar, isSeq, type Node, type Scalar, type YAMLMap } from 'yaml';
import type { PathSegment } from './candidates.js';
import { applyOverride, splitImage, type ImageOverride } from './kustomize.js';

export interface Composite {
  kind: 'base-image' | 'kustomize-image';
  /** The scalars it is made of: baseImage, version, tag, sha; or name, newName, newTag, digest. */
  fields: Record<string, Scalar | undefined>;
  /** Where a location points: ["spec", "baseImage"], ["images", 0]. */
  path: PathSegment[];
  /** The assembled reference; undefined when nothing is pulled from here. */
  value?: string;
  /** Set when the fields do not say which image is pulled. */
  problem?: string;
  /** Scalars that must not also be read on their own. */
  claims: Node[];
}

const OPERATOR_KINDS = new Set(['Prometheus', 'Alertmanager', 'ThanosRuler']);

export function compositeCandidates(root: YAMLMap): Composite[] {
  const api = root.get('apiVersion');
  if (typeof api !== 'string') return [];
  if (api.startsWith('monitoring.coreos.com/') && OPERATOR_KINDS.has(String(root.get('kind')))) {
    const spec = root.get('spec', true);
    const thanos = isMap(spec) ? spec.get('thanos', true) : undefined;
    return [baseImage(spec, ['spec']), baseImage(thanos, ['spec', 'thanos'])].filter((c) => c !== undefined);
  }
  if (api.startsWith('kustomize.config.k8s.io/')) return kustomizeImages(root.get('images', true));
  return [];
}

function stringField(map: YAMLMap, key: string): Scalar | undefined {
  const node = map.get(key, true);
  return isScalar(node) && node.value !== null && node.value !== undefined && String(node.value) !== '' ? node : undefined;
}

function baseImage(section: unknown, path: PathSegment[]): Composite | undefined {
  if (!isMap(section)) return undefined;
  const base = stringField(section, 'baseImage');
  if (!base) return undefined;
  const fields = { baseImage: base, version: stringField(section, 'version'), tag: stringField(section, 'tag'), sha: stringField(section, 'sha') };
  const composite: Composite = { kind: 'base-image', fields, path: [...path, 'baseImage'], claims: [base] };
  // `image` wins over baseImage: then baseImage is not pulled at all.
  if (stringField(section, 'image')) return composite;
  const text = String(base.value);
  if (fields.sha) composite.value = `${text}@sha256:${String(fields.sha.value)}`;
  else if (fields.tag) composite.value = `${text}:${String(fields.tag.value)}`;
  else if (fields.version) composite.value = `${text}:${String(fields.version.value)}`;
  else {
    composite.value = text;
    composite.problem = 'baseImage without version, tag or sha: the operator picks its own default version';
  }
  return composite;
}

function kustomizeImages(list: unknown): Composite[] {
  if (!isSeq(list)) return [];
  return list.items.flatMap((entry, i): Composite[] => {
    if (!isMap(entry)) return [];
    const fields = {
      name: stringField(entry, 'name'),
      newName: stringField(entry, 'newName'),
      newTag: stringField(entry, 'newTag'),
      digest: stringField(entry, 'digest'),
    };
    if (!fields.name) return [];
    const claims = Object.values(fields).filter((n) => n !== undefined);
    const composite: Composite = { kind: 'kustomize-image', fields, path: ['images', i], claims };
    const text = (n: Scalar | undefined): string | undefined => (n ? String(n.value) : undefined);
    const override: ImageOverride = { name: String(fields.name.value) };
    for (const key of ['newName', 'newTag', 'digest'] as const) {
      const v = text(fields[key]);
      if (v !== undefined) override[key] = v;
    }
    const result = applyOverride(override.name, override);
    const parts = splitImage(result);
    // Without a new tag or digest the tag comes from the resources, which this file does not show.
    if (parts.tag !== undefined || parts.digest !== undefined) composite.value = result;
    return [composite];
  });
}
