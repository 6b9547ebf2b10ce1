/**
 * Discovery over the 40 real upstream manifests of the shared corpus, against the references a
 * reviewer listed in SOURCES.md. Skipped when the corpus is absent.
 *
 * How listed references compare with what is found (canonical forms):
 * - a live reference must be found; nothing else may be found;
 * - a commented-out one must not be found, unless the same reference is also live in that file;
 * - prometheus-operator's `spec.baseImage` is listed without a tag, while the image pulled is
 *   baseImage:version: it matches a found reference of the same repository;
 * - a kustomize `images:` entry read as a plain file: its `name` is what gets replaced, so it is
 *   not pulled and must not be found; its `newName` matches by repository, since the tag comes
 *   from newTag (what is pulled is newName:newTag);
 * - markdown files (containerd's hosts.md) are documentation, not manifests: not scanned.
 */
import { describe, expect, it } from 'vitest';
import { discoverImages } from '../../src/manifests/discover.js';
import { formatReference, parseReference, repositoryName } from '../../src/reference.js';
import { CORPUS, HAS_CORPUS, isCommented, readSources, type ListedRef } from './corpus-sources.js';

const canonical = (ref: string): string => formatReference(parseReference(ref));
const repository = (ref: string): string => repositoryName(parseReference(ref));

const byRepository = (r: ListedRef): boolean => /spec\.baseImage|images\[\]\.newName/.test(r.location);
const replacedName = (r: ListedRef): boolean => r.location.includes('images[].name');

const files = HAS_CORPUS ? readSources().filter((f) => /\.(ya?ml|json)$/.test(f.file)) : [];

describe.skipIf(!HAS_CORPUS)('corpus: discovery finds what SOURCES.md lists', () => {
  it('reads every file of SOURCES.md', () => {
    expect(readSources()).toHaveLength(40);
    expect(files.length).toBe(38);
  });

  it.each(files.map((f) => [f.file, f] as const))('%s', async (_name, { file, refs }) => {
    const found = await discoverImages([file], { cwd: CORPUS });
    expect(found.invalid).toEqual([]);
    const foundRefs = found.images.map((i) => i.ref);
    const live = refs.filter((r) => !isCommented(r) && !replacedName(r));
    for (const r of live) {
      if (byRepository(r)) expect(foundRefs.map(repository), `${r.ref} (L${r.line})`).toContain(repository(r.ref));
      else expect(foundRefs, `${r.ref} (L${r.line})`).toContain(canonical(r.ref));
    }
    const explained = (ref: string): boolean =>
      live.some((r) => (byRepository(r) ? repository(r.ref) === repository(ref) : canonical(r.ref) === ref));
    expect(foundRefs.filter((ref) => !explained(ref))).toEqual([]);
    const liveCanonical = new Set(live.filter((r) => !byRepository(r)).map((r) => canonical(r.ref)));
    for (const r of refs.filter(isCommented)) {
      if (!liveCanonical.has(canonical(r.ref))) expect(foundRefs, `commented ${r.ref} (L${r.line})`).not.toContain(canonical(r.ref));
    }
    for (const r of refs.filter(replacedName)) expect(foundRefs.map(repository)).not.toContain(repository(r.ref));
  });
});
