/**
 * `rewrite --kustomize`: the `images:` entries that point what kustomize reaches at the mirror,
 * and the kustomization.yaml that carries them (existing entries and fields kept, comments too).
 * Entries are appended, so they match names as the existing entries leave them. Pure.
 */
import { isSeq, parseDocument, stringify, YAMLSeq } from 'yaml';
import { repositoryName, type ImageRef } from '../reference.js';
import { byCodePoint } from './discovery.js';
import { splitImage, type ImageOverride } from './kustomize.js';

export interface KustomizeEntries {
  entries: ImageOverride[];
  /** Written references no name (with or without tag) can single out: rewrite them in the files. */
  ambiguous: string[];
}

/**
 * One entry per written reference that has a target (`reached` maps every reference kustomize
 * reaches, undefined for those not mirrored). The name alone when no other reference shares it,
 * else name:tag (kustomize 5 matches a tag given in the name); a reference without a tag among
 * others of the same name, or sharing its tag with one (differing by digest), cannot be told apart.
 */
export function kustomizeEntries(reached: Map<string, ImageRef | undefined>): KustomizeEntries {
  const byName = new Map<string, string[]>();
  for (const written of reached.keys()) {
    const { name } = splitImage(written);
    byName.set(name, [...(byName.get(name) ?? []), written]);
  }
  const entries: ImageOverride[] = [];
  const ambiguous: string[] = [];
  for (const [name, writtens] of [...byName.entries()].sort(([a], [b]) => byCodePoint(a, b))) {
    for (const written of writtens.sort(byCodePoint)) {
      const to = reached.get(written);
      if (!to) continue;
      const { tag } = splitImage(written);
      // name:tag also matches name:tag@digest, and kustomize applies the first entry that matches.
      const sameTag = writtens.filter((w) => splitImage(w).tag === tag).length > 1;
      if (writtens.length > 1 && (tag === undefined || sameTag)) {
        ambiguous.push(written);
        continue;
      }
      const entry: ImageOverride = { name: writtens.length > 1 ? `${name}:${tag}` : name, newName: repositoryName(to) };
      if (to.tag !== undefined) entry.newTag = to.tag;
      if (to.digest !== undefined) entry.digest = to.digest;
      entries.push(entry);
    }
  }
  return { entries, ambiguous };
}

/**
 * The kustomization text with `entries` appended to `images:`. Without an existing file, a new
 * one listing `resources`. Unchanged text when there is nothing to add.
 */
export function updateKustomization(text: string | undefined, entries: ImageOverride[], resources: string[]): string {
  if (text === undefined) {
    const doc = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources, images: entries };
    return stringify(doc);
  }
  if (entries.length === 0) return text;
  const doc = parseDocument(text);
  const images = doc.get('images', true);
  if (isSeq(images)) for (const e of entries) images.add(doc.createNode(e));
  else doc.set('images', doc.createNode(entries) as YAMLSeq);
  // No padding in [a, b] and no folding of long lines: the rest of the file prints as it was written.
  const out = doc.toString({ flowCollectionPadding: false, lineWidth: 0 });
  // yaml prints LF; a file checked out with CRLF keeps CRLF.
  return text.includes('\r\n') ? out.replace(/\r?\n/g, '\r\n') : out;
}
