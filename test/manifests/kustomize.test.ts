/**
 * kustomize `images:` overrides: the pure rules, and the same table checked against the real
 * kustomize in kubectl so that the rules cannot drift from what gets deployed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { applyOverride, applyOverrides, isRemote, readKustomization, splitImage, type ImageOverride } from '../../src/manifests/kustomize.js';

const D1 = 'sha256:9bba603b99bf25f6d117cf1235b6598c16033ad027b143c90fa5b3cc583c5713';
const D2 = 'sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3';

// [written, override, result]; every case uses its own image name so all fit one kustomization.
const CASES: [string, ImageOverride, string][] = [
  ['a01:1', { name: 'a01', newName: 'reg.example.com/a01' }, 'reg.example.com/a01:1'],
  ['a02:1', { name: 'a02', newTag: '2' }, 'a02:2'],
  ['a03:1', { name: 'a03', digest: D2 }, `a03@${D2}`],
  ['a04:1', { name: 'a04', newTag: '2', digest: D2 }, `a04:2@${D2}`],
  ['a05:1', { name: 'a05:1', newTag: '2' }, 'a05:2'],
  ['a06:3', { name: 'a06:1', newTag: '2' }, 'a06:3'],
  [`quay.io/a07:1@${D1}`, { name: 'quay.io/a07', newTag: '5' }, 'quay.io/a07:5'],
  [`quay.io/a08:1@${D1}`, { name: 'quay.io/a08', newName: 'm/a08' }, `m/a08:1@${D1}`],
  [`quay.io/a09:1@${D1}`, { name: `quay.io/a09@${D1}`, newName: 'm/a09' }, `quay.io/a09:1@${D1}`],
  [`quay.io/a10@${D1}`, { name: 'quay.io/a10', newTag: '5' }, 'quay.io/a10:5'],
  ['localhost:5000/a11', { name: 'localhost:5000/a11', newTag: '7' }, 'localhost:5000/a11:7'],
  ['docker.io/library/a12:1', { name: 'a12', newTag: '2' }, 'docker.io/library/a12:1'],
  ['a13', { name: 'a13', newName: 'm/a13' }, 'm/a13'],
];

describe('applyOverride', () => {
  it.each(CASES)('%s with %j', (written, override, want) => {
    expect(applyOverride(written, override)).toBe(want);
  });

  it('applies entries one after another', () => {
    expect(applyOverrides('a:1', [{ name: 'a', newName: 'b' }, { name: 'b', newName: 'c' }, { name: 'c', newTag: '2' }])).toBe('c:2');
  });

  it('agrees with kubectl kustomize on every case', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ampere-kustomize-'));
    try {
      const containers = CASES.map(([written], i) => ({ name: `c${i}`, image: written }));
      writeFileSync(join(dir, 'pod.yaml'), stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers } }));
      writeFileSync(join(dir, 'kustomization.yaml'), stringify({ resources: ['pod.yaml'], images: CASES.map(([, o]) => o) }));
      const rendered = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
      const pod = parseAllDocuments(rendered)[0]!.toJS() as { spec: { containers: { image: string }[] } };
      expect(pod.spec.containers.map((c) => c.image)).toEqual(CASES.map(([, , want]) => want));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('splitImage', () => {
  it.each([
    ['nginx', { name: 'nginx' }],
    ['nginx:1', { name: 'nginx', tag: '1' }],
    ['localhost:5000/x', { name: 'localhost:5000/x' }],
    [`localhost:5000/x:2@${D1}`, { name: 'localhost:5000/x', tag: '2', digest: D1 }],
  ])('%s', (written, want) => {
    expect(splitImage(written)).toEqual(want);
  });
});

describe('readKustomization', () => {
  it('reads resources, bases, components, patch files and images', () => {
    const k = readKustomization({
      resources: ['a.yaml', '../base'], bases: ['../old'], components: ['../c'],
      patches: [{ path: 'p.yaml' }, { patch: 'inline' }], patchesStrategicMerge: ['s.yaml', 'kind: X\nmetadata: {}\n'],
      images: [{ name: 'nginx', newTag: 1.25 }],
    }, 'k.yaml');
    expect(k).toEqual({
      resources: ['a.yaml', '../base', '../old'], components: ['../c'], patches: ['p.yaml', 's.yaml'],
      images: [{ name: 'nginx', newTag: '1.25' }],
    });
  });

  it.each([
    [{ resources: 'a.yaml' }, 'k.yaml: resources: expected a list of paths'],
    [{ images: {} }, 'k.yaml: images: expected a list'],
    [{ images: [{ newTag: '1' }] }, 'k.yaml: images[0].name: missing'],
    [{ images: [{ name: 'x', newName: ['y'] }] }, 'k.yaml: images[0].newName: expected a string'],
    [[], 'k.yaml: top level: expected a mapping'],
  ])('%j', (doc, message) => {
    expect(() => readKustomization(doc, 'k.yaml')).toThrow(InputError);
    expect(() => readKustomization(doc, 'k.yaml')).toThrow(message);
  });

  it.each([
    ['https://github.com/x/y//deploy?ref=v1', true],
    ['github.com/x/y/deploy', true],
    ['git@github.com:x/y.git?ref=main', true],
    ['../base', false],
    ['deployment.yaml', false],
  ])('isRemote(%s) = %s', (resource, want) => {
    expect(isRemote(resource)).toBe(want);
  });
});
