/**
 * Walks one parsed YAML document and lists the strings that name images, with where they are and
 * the scalar that holds them (so a rewrite can change exactly that scalar). Pure: no files here.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type Node, type Pair, type Scalar } from 'yaml';
import { hasTagOrDigest, looksHosted, namesBaseImage, namesImage, parseFlag } from './rules.js';
import { compositeCandidates, type Composite } from './composites.js';

export type PathSegment = string | number;

/** Why the string was taken: an `image` field, a key or flag naming an image, or a registry host. */
export type Rule = 'image-field' | 'named' | 'hosted' | 'composite';

export interface Candidate {
  /** The reference as written: "quay.io/x:1" (for "--flag=quay.io/x:1", the part after "="). */
  value: string;
  /** "Deployment shop/web", "ConfigMap rook-ceph/rook-config", "document 2". */
  resource: string;
  /** ["spec", "template", "spec", "containers", 0, "image"]. */
  path: PathSegment[];
  rule: Rule;
  /** The scalar holding the reference and the text before it inside that scalar ("--flag="). */
  node?: Scalar;
  prefix: string;
  /** Set when the reference is assembled from several fields (baseImage + version, kustomize images:). */
  composite?: Composite;
  /** kustomize's images transformer reaches it: the `image` of a containers/initContainers item. */
  kustomizable: boolean;
}

interface Context {
  resource: string;
  out: Candidate[];
  /** Scalars a composite rule already accounts for. */
  claimed: Set<Node>;
  seen: Set<Node>;
  doc: Document;
}

/** Every candidate in one document; `index` (0-based) names documents that have no kind. */
export function findCandidates(doc: Document, index: number): Candidate[] {
  const root = doc.contents;
  if (!isMap(root)) return root ? walkRoot(doc, root, [], `document ${index + 1}`) : [];
  const label = resourceLabel(root, index);
  const items = root.get('items', true);
  if (root.get('kind') === 'List' && isSeq(items)) {
    return items.items.flatMap((item, i) =>
      isMap(item) ? walkRoot(doc, item, ['items', i], resourceLabel(item, index)) : [],
    );
  }
  return walkRoot(doc, root, [], label);
}

function walkRoot(doc: Document, node: Node, path: PathSegment[], resource: string): Candidate[] {
  const ctx: Context = { resource, out: [], claimed: new Set(), seen: new Set(), doc };
  if (isMap(node)) {
    for (const c of compositeCandidates(node)) {
      for (const n of c.claims) ctx.claimed.add(n);
      if (c.value !== undefined) {
        ctx.out.push({ value: c.value, resource, path: [...path, ...c.path], rule: 'composite', prefix: '', composite: c, kustomizable: false });
      }
    }
  }
  walk(node, path, undefined, ctx);
  return ctx.out;
}

/** "Deployment shop/web"; "Deployment web" without a namespace. */
export function resourceLabel(map: Node, index: number): string {
  if (!isMap(map)) return `document ${index + 1}`;
  const kind = map.get('kind');
  const name = map.getIn(['metadata', 'name']);
  const ns = map.getIn(['metadata', 'namespace']);
  if (typeof kind !== 'string') return `document ${index + 1}`;
  if (typeof name !== 'string') return kind;
  return typeof ns === 'string' ? `${kind} ${ns}/${name}` : `${kind} ${name}`;
}

/** "spec.template.spec.containers[0].image"; odd keys quoted: data["config.yaml"]. */
export function formatPath(path: PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

function walk(node: unknown, path: PathSegment[], key: string | undefined, ctx: Context): void {
  if (isAlias(node)) node = node.resolve(ctx.doc);
  if (!node || typeof node !== 'object' || ctx.seen.has(node as Node)) return;
  ctx.seen.add(node as Node);
  if (isMap(node)) walkMap(node.items, path, ctx);
  else if (isSeq(node)) walkSeq(node.items, path, ctx);
  else if (isScalar(node) && key !== undefined) scalar(node, path, key, ctx);
}

function walkMap(pairs: Pair<unknown, unknown>[], path: PathSegment[], ctx: Context): void {
  // An env entry or any {name, value} pair: the name says what the value is.
  const named = pairs.find((p) => keyOf(p) === 'name' && isScalar(p.value) && typeof p.value.value === 'string');
  const nameValue = named && isScalar(named.value) ? String(named.value.value) : undefined;
  for (const pair of pairs) {
    const key = keyOf(pair);
    if (key === undefined) continue;
    const effective = key === 'value' && nameValue !== undefined ? nameValue : key;
    walk(pair.value, [...path, key], effective, ctx);
  }
}

function walkSeq(items: unknown[], path: PathSegment[], ctx: Context): void {
  let flagBefore: string | undefined;
  items.forEach((item, i) => {
    const text = isScalar(item) && typeof item.value === 'string' ? item.value : undefined;
    if (text === undefined) {
      flagBefore = undefined;
      walk(item, [...path, i], undefined, ctx);
      return;
    }
    const flag = parseFlag(text);
    if (flagBefore !== undefined && !flag) scalar(item as Scalar, [...path, i], flagBefore, ctx);
    else if (flag?.value !== undefined) scalar(item as Scalar, [...path, i], flag.name, ctx, flag.prefix, flag.value);
    else if (!flag) scalar(item as Scalar, [...path, i], '', ctx);
    // "--config-reloader-image" alone: its value is the next argument.
    flagBefore = flag && flag.value === undefined && namesImage(flag.name) ? flag.name : undefined;
  });
}

function scalar(node: Scalar, path: PathSegment[], key: string, ctx: Context, prefix = '', text?: string): void {
  if (ctx.claimed.has(node) || typeof node.value !== 'string') return;
  const value = text ?? node.value;
  if (value.trim() === '') return;
  const rule: Rule | undefined =
    key === 'image' && prefix === '' ? 'image-field' : namesImage(key) ? 'named' : looksHosted(value) ? 'hosted' : undefined;
  if (!rule || (rule === 'named' && namesBaseImage(key) && !hasTagOrDigest(value))) return;
  const last = path.length;
  const kustomizable =
    rule === 'image-field' && typeof path[last - 2] === 'number' && ['containers', 'initContainers'].includes(String(path[last - 3]));
  ctx.out.push({ value, resource: ctx.resource, path, rule, node, prefix, kustomizable });
}

function keyOf(pair: Pair<unknown, unknown>): string | undefined {
  const k = isScalar(pair.key) ? pair.key.value : pair.key;
  return typeof k === 'string' || typeof k === 'number' || typeof k === 'boolean' ? String(k) : undefined;
}
