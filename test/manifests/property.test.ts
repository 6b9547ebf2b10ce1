/**
 * Properties over random YAML: discovery never crashes and every reference it returns parses;
 * rewriting every found reference to a mirror gives a file that still parses and in which
 * discovery finds only mirror references.
 */
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { findCandidates } from '../../src/manifests/candidates.js';
import { resolveHit, summarize, type Hit } from '../../src/manifests/discovery.js';
import { ManifestSyntaxError, parseManifest, renderManifest, type ManifestFile } from '../../src/manifests/files.js';
import { rewriteHit } from '../../src/manifests/rewrite.js';
import { parseReference } from '../../src/reference.js';

const KEYS = ['image', 'images', 'args', 'command', 'env', 'name', 'value', 'data', 'kind', 'apiVersion', 'spec', 'items',
  'containers', 'initContainers', 'ROOK_CSI_CEPH_IMAGE', 'baseImage', 'version', 'tag', 'sha', 'newName', 'newTag', 'digest', 'x'];
const STRINGS = ['nginx', 'nginx:1.25', 'quay.io/x/y:1', 'Team/App:1', 'info', '--x-image=busybox:1', '--x-image', 'a b', '',
  'List', 'Prometheus', 'monitoring.coreos.com/v1', 'kustomize.config.k8s.io/v1beta1', 'localhost:5000/z@sha256:abc',
  `alpine@sha256:${'a'.repeat(64)}`, '{{ .Values.image }}', '# not a comment', "it's", 'line\nbreak', 'k: v'];

const scalar = fc.oneof(fc.constantFrom(...STRINGS), fc.string({ maxLength: 12 }), fc.integer(), fc.boolean(), fc.constant(null));
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('seq'), tie('map')),
  seq: fc.array(tie('tree'), { maxLength: 4 }),
  map: fc.dictionary(fc.constantFrom(...KEYS), tie('tree'), { maxKeys: 5 }),
}));
const documents = fc.array(tree, { minLength: 1, maxLength: 3 }).map((docs) => docs.map((d) => stringify(d)).join('---\n'));
const text = fc.oneof(documents, fc.string({ maxLength: 60 }));

function hitsOf(file: ManifestFile): Hit[] {
  return file.docs.flatMap((d, i) => findCandidates(d, i)).map((candidate) => ({ file, candidate, written: candidate.value, kustomized: false }));
}

function parseOrNull(source: string): ManifestFile | null {
  try {
    return parseManifest('p.yaml', source);
  } catch (err) {
    if (err instanceof ManifestSyntaxError) return null;
    throw err;
  }
}

describe('random YAML', () => {
  it('discovery never crashes and every reference it returns parses', () => {
    fc.assert(
      fc.property(text, (source) => {
        const file = parseOrNull(source);
        if (!file) return;
        const found = summarize(hitsOf(file));
        for (const img of found.images) expect(() => parseReference(img.ref)).not.toThrow();
        for (const bad of found.invalid) expect(bad.error).not.toBe('');
      }),
      { numRuns: 400 },
    );
  });

  it('rewriting every reference leaves valid YAML with only mirror references', () => {
    const target = { registry: '127.0.0.1:5000', repository: 'mirror/x', tag: 'v1' };
    let rewritten = 0;
    fc.assert(
      fc.property(documents, (source) => {
        const file = parseOrNull(source);
        if (!file) return;
        const hits = hitsOf(file).filter((h) => !('error' in resolveHit(h)));
        const seen = new Set<unknown>();
        // A kustomize entry without newName cannot be pointed elsewhere: rewriteHit says so.
        const kept = new Set<string>();
        for (const hit of hits) {
          const node = hit.candidate.node ?? hit.candidate.composite;
          if (seen.has(node)) continue;
          seen.add(node);
          if (rewriteHit(hit, target)?.startsWith('not rewritten')) kept.add(hit.written);
          else rewritten++;
        }
        const again = parseManifest('p.yaml', renderManifest(file));
        const found = summarize(hitsOf(again));
        for (const img of found.images) if (!kept.has(img.written)) expect(img.ref).toBe('127.0.0.1:5000/mirror/x:v1');
      }),
      { numRuns: 300 },
    );
    // The generator does reach references.
    expect(rewritten).toBeGreaterThan(10);
  });
});
