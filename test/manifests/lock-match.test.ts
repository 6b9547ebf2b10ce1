/** Which lock entry serves a found reference, what is written instead, and kustomize entries. Pure. */
import { describe, expect, it } from 'vitest';
import type { Lock } from '../../src/lock.js';
import { kustomizeEntries, updateKustomization } from '../../src/manifests/kustomize-images.js';
import { matchLock, mirrorTarget } from '../../src/manifests/lock-match.js';
import { formatReference, parseReference, type ImageRef } from '../../src/reference.js';
import { fakeDigest } from './lock-for.js';

const D_SRC = fakeDigest('source');
const D_OTHER = fakeDigest('other');
const D_MIRROR = fakeDigest('mirror');

const entry = (source: string, sourceDigest: string, target: string) => ({ source, sourceDigest, target, digest: D_MIRROR, platforms: {} });
const LOCK: Lock = {
  registry: '127.0.0.1:5000',
  images: [
    entry('docker.io/library/nginx:1.25', D_SRC, '127.0.0.1:5000/docker.io/library/nginx:1.25'),
    entry(`quay.io/x/pinned:2@${D_OTHER}`, D_OTHER, `127.0.0.1:5000/quay.io/x/pinned:2@${D_OTHER}`),
  ],
};

describe('matchLock', () => {
  const cases: [string, string][] = [
    ['nginx:1.25', 'entry docker.io/library/nginx:1.25'],
    ['docker.io/library/nginx:1.25', 'entry docker.io/library/nginx:1.25'],
    [`nginx@${D_SRC}`, 'entry docker.io/library/nginx:1.25'],
    [`nginx:1.25@${D_SRC}`, 'entry docker.io/library/nginx:1.25'],
    [`nginx:9@${D_SRC}`, 'entry docker.io/library/nginx:1.25'],
    [`nginx:1.25@${D_OTHER}`, 'entry docker.io/library/nginx:1.25'],
    ['quay.io/x/pinned:2', `entry quay.io/x/pinned:2@${D_OTHER}`],
    [`quay.io/x/pinned@${D_OTHER}`, `entry quay.io/x/pinned:2@${D_OTHER}`],
    ['nginx:1.26', 'missing'],
    [`nginx@${D_OTHER}`, 'missing'],
    ['127.0.0.1:5000/docker.io/library/nginx:1.25', 'mirrored'],
    [`127.0.0.1:5000/docker.io/library/nginx:1.25@${D_MIRROR}`, 'mirrored'],
    ['127.0.0.1:5000/docker.io/library/nginx:1.26', 'missing'],
  ];
  it.each(cases)('%s -> %s', (ref, want) => {
    const m = matchLock(LOCK, parseReference(ref));
    expect(m.kind === 'entry' ? `entry ${m.entry.source}` : m.kind).toBe(want);
  });
});

describe('mirrorTarget', () => {
  const nginx = LOCK.images[0]!;
  it.each([
    ['nginx:1.25', false, '127.0.0.1:5000/docker.io/library/nginx:1.25'],
    ['nginx:1.25', true, `127.0.0.1:5000/docker.io/library/nginx:1.25@${D_MIRROR}`],
    [`nginx:1.25@${D_SRC}`, false, `127.0.0.1:5000/docker.io/library/nginx:1.25@${D_MIRROR}`],
  ])('%s pin=%s', (ref, pin, want) => {
    expect(formatReference(mirrorTarget(nginx, parseReference(ref), pin))).toBe(want);
  });

  it('a digest-only target stays digest-only', () => {
    const e = entry(`quay.io/x/y@${D_SRC}`, D_SRC, `127.0.0.1:5000/quay.io/x/y@${D_SRC}`);
    expect(formatReference(mirrorTarget(e, parseReference(`quay.io/x/y@${D_SRC}`), false))).toBe(`127.0.0.1:5000/quay.io/x/y@${D_MIRROR}`);
  });
});

describe('kustomizeEntries', () => {
  const to = (s: string): ImageRef => parseReference(s);
  it('the name alone when it is unique, name:tag when tags share a name, nothing for references not mirrored', () => {
    const reached = new Map<string, ImageRef | undefined>([
      ['nginx:1.25', to('m.io/nginx:1.25')],
      ['busybox:1.35', to('m.io/busybox:1.35')],
      ['busybox:1.36', to(`m.io/busybox:1.36@${D_MIRROR}`)],
      ['redis:7', undefined],
      ['redis:6', to('m.io/redis:6')],
    ]);
    expect(kustomizeEntries(reached)).toEqual({
      entries: [
        { name: 'busybox:1.35', newName: 'm.io/busybox', newTag: '1.35' },
        { name: 'busybox:1.36', newName: 'm.io/busybox', newTag: '1.36', digest: D_MIRROR },
        { name: 'nginx', newName: 'm.io/nginx', newTag: '1.25' },
        { name: 'redis:6', newName: 'm.io/redis', newTag: '6' },
      ],
      ambiguous: [],
    });
  });

  it('a reference without a tag among others of its name cannot be singled out', () => {
    const reached = new Map<string, ImageRef | undefined>([
      [`alpine@${D_SRC}`, to(`m.io/alpine@${D_MIRROR}`)],
      ['alpine:3', to('m.io/alpine:3')],
    ]);
    expect(kustomizeEntries(reached)).toEqual({ entries: [{ name: 'alpine:3', newName: 'm.io/alpine', newTag: '3' }], ambiguous: [`alpine@${D_SRC}`] });
  });

  it('references that differ only by digest cannot be singled out: a name:tag entry would drop the pin', () => {
    // kustomize matches `name: alpine:3` on alpine:3@sha256:… too, and the first matching entry wins.
    const reached = new Map<string, ImageRef | undefined>([
      ['alpine:3', to('m.io/alpine:3')],
      [`alpine:3@${D_SRC}`, to(`m.io/alpine:3@${D_MIRROR}`)],
      ['alpine:4', to('m.io/alpine:4')],
    ]);
    expect(kustomizeEntries(reached)).toEqual({
      entries: [{ name: 'alpine:4', newName: 'm.io/alpine', newTag: '4' }],
      ambiguous: ['alpine:3', `alpine:3@${D_SRC}`],
    });
  });
});

describe('updateKustomization', () => {
  const entries = [{ name: 'nginx', newName: 'm.io/nginx', newTag: '1.25' }];

  it('appends to images: and keeps comments and other fields', () => {
    const text = '# overlay\nresources:\n  - ../base # the base\nimages:\n  - name: redis # pinned\n    newTag: "7"\nnamePrefix: prod-\n';
    expect(updateKustomization(text, entries, [])).toBe(
      '# overlay\nresources:\n  - ../base # the base\nimages:\n  - name: redis # pinned\n    newTag: "7"\n  - name: nginx\n    newName: m.io/nginx\n    newTag: "1.25"\nnamePrefix: prod-\n',
    );
  });

  it('adds images: when there is none, and leaves the text alone when there is nothing to add', () => {
    expect(updateKustomization('resources: [a.yaml]\n', entries, [])).toBe('resources: [a.yaml]\nimages:\n  - name: nginx\n    newName: m.io/nginx\n    newTag: "1.25"\n');
    expect(updateKustomization('resources: [a.yaml]\n', [], [])).toBe('resources: [a.yaml]\n');
  });

  it('keeps a CRLF kustomization in CRLF', () => {
    expect(updateKustomization('resources:\r\n  - a.yaml # base\r\n', entries, [])).toBe(
      'resources:\r\n  - a.yaml # base\r\nimages:\r\n  - name: nginx\r\n    newName: m.io/nginx\r\n    newTag: "1.25"\r\n',
    );
  });

  it('writes a new kustomization listing the resources', () => {
    expect(updateKustomization(undefined, entries, ['a.yaml', 'sub'])).toBe(
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - a.yaml\n  - sub\nimages:\n  - name: nginx\n    newName: m.io/nginx\n    newTag: "1.25"\n',
    );
  });
});
