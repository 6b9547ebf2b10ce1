/**
 * What a component's manifests create, read from its files: enough for install to order the
 * applies (CRDs, then the rest, then custom resources) and to know what to wait for. A kustomize
 * directory is followed through its local resources and its `namespace:`.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { digestOf } from '../digest.js';
import { InputError } from '../errors.js';
import { yamlInputError, yamlValue } from '../yaml-errors.js';

export interface Resource {
  apiVersion: string;
  kind: string;
  name: string;
  /** As written, or set by the kustomization; undefined when neither says. */
  namespace?: string;
  /** spec.group of a CustomResourceDefinition: "ceph.rook.io". */
  group?: string;
}

export interface ManifestFile {
  path: string;
  /** sha256 of the file's bytes: an apply whose files changed is not "done" any more. */
  digest: string;
  resources: Resource[];
}

/** One path of a component's `manifests:` list, applied as a whole (-k) or by files (-f). */
export interface ManifestUnit {
  path: string;
  kustomize: boolean;
  /** sha256 over everything the unit reads, kustomization files included. */
  digest: string;
  files: ManifestFile[];
}

const KUSTOMIZATION = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const MANIFEST = /\.(ya?ml|json)$/;

// Kinds that never take a namespace; kustomize's `namespace:` leaves them alone.
const CLUSTER_SCOPED = new Set([
  'Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'StorageClass', 'APIService',
  'PriorityClass', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'PodSecurityPolicy',
  'CSIDriver', 'PersistentVolume', 'IngressClass', 'RuntimeClass', 'ValidatingAdmissionPolicy',
]);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function toResource(doc: Obj): Resource | undefined {
  const kind = text(doc.kind);
  const meta = isObj(doc.metadata) ? doc.metadata : {};
  const name = text(meta.name);
  if (kind === undefined || name === undefined) return undefined;
  const r: Resource = { apiVersion: text(doc.apiVersion) ?? '', kind, name };
  const namespace = text(meta.namespace);
  if (namespace !== undefined) r.namespace = namespace;
  if (kind === 'CustomResourceDefinition' && isObj(doc.spec)) {
    const group = text(doc.spec.group);
    if (group !== undefined) r.group = group;
  }
  return r;
}

/** Resources of one YAML or JSON file; `List` kinds are opened. */
export function parseResources(source: string, file: string): Resource[] {
  const out: Resource[] = [];
  for (const doc of parseAllDocuments(source)) {
    if (doc.errors[0]) throw yamlInputError(file, doc.errors[0]);
    const value = yamlValue(doc, file);
    if (!isObj(value)) continue;
    const items = typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items) ? value.items : [value];
    for (const item of items) {
      const r = isObj(item) ? toResource(item) : undefined;
      if (r) out.push(r);
    }
  }
  return out;
}

async function readManifest(path: string): Promise<ManifestFile> {
  let source: string;
  try {
    source = await readFile(path, 'utf8');
  } catch (err) {
    throw new InputError(`${path}: cannot read manifest (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return { path, digest: sha256(source), resources: parseResources(source, path) };
}

const sha256 = (text: string): string => digestOf(Buffer.from(text, 'utf8'));

/** One digest for several: the order matters, as it does for kubectl. */
export const combinedDigest = (digests: string[]): string => sha256(digests.join('\n'));

async function kustomizationFile(dir: string): Promise<string | undefined> {
  for (const name of KUSTOMIZATION) {
    const candidate = join(dir, name);
    if (await stat(candidate).then((s) => s.isFile(), () => false)) return candidate;
  }
  return undefined;
}

/** Manifest files under a folder, in the order `kubectl apply -R -f` reads them. */
async function listManifests(dir: string): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  const out: string[] = [];
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listManifests(full)));
    else if (MANIFEST.test(e.name)) out.push(full);
  }
  return out;
}

/** Files a kustomization pulls in (local paths only: remote bases cannot be read offline). */
async function kustomizeFiles(dir: string, seen: Set<string>): Promise<ManifestFile[]> {
  const file = await kustomizationFile(dir);
  if (file === undefined || seen.has(file)) return [];
  seen.add(file);
  const source = await readFile(file, 'utf8');
  const [k] = parseAllDocuments(source);
  if (k?.errors[0]) throw yamlInputError(file, k.errors[0]);
  const doc = k === undefined ? undefined : yamlValue(k, file);
  const kust = isObj(doc) ? doc : {};
  // The kustomization itself is part of what is applied (its images: overrides above all).
  const out: ManifestFile[] = [{ path: file, digest: sha256(source), resources: [] }];
  for (const key of ['resources', 'bases', 'components', 'crds']) {
    const list = kust[key];
    if (!Array.isArray(list)) continue;
    for (const entry of list) {
      if (typeof entry !== 'string' || /^[a-z]+:\/\//.test(entry) || entry.startsWith('github.com/')) continue;
      const target = resolve(dir, entry);
      const isDir = await stat(target).then((s) => s.isDirectory(), () => {
        throw new InputError(`${file}: ${key}: no such file or directory "${entry}"`);
      });
      out.push(...(isDir ? await kustomizeFiles(target, seen) : [await readManifest(target)]));
    }
  }
  const namespace = text(kust.namespace);
  if (namespace === undefined) return out;
  return out.map((f) => ({
    ...f,
    resources: f.resources.map((r) => (CLUSTER_SCOPED.has(r.kind) ? r : { ...r, namespace })),
  }));
}

/** Read one manifests path: a file, a folder of files, or a kustomize directory. */
export async function readUnit(path: string): Promise<ManifestUnit> {
  const info = await stat(path).catch(() => {
    throw new InputError(`${path}: no such file or directory`);
  });
  const unit = (kustomize: boolean, files: ManifestFile[]): ManifestUnit =>
    ({ path, kustomize, digest: combinedDigest(files.map((f) => f.digest)), files });
  if (!info.isDirectory()) return unit(false, [await readManifest(path)]);
  if (await kustomizationFile(path)) return unit(true, await kustomizeFiles(path, new Set()));
  const files: ManifestFile[] = [];
  for (const f of await listManifests(path)) files.push(await readManifest(f));
  return unit(false, files);
}
