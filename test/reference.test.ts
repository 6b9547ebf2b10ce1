/** parseReference / formatReference against the distribution grammar, table-driven. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidReference } from '../src/errors.js';
import { familiarName, formatReference, manifestReference, parseReference, type ImageRef } from '../src/reference.js';

const D1 = 'sha256:9bba603b99bf25f6d117cf1235b6598c16033ad027b143c90fa5b3cc583c5713';

describe('parseReference: valid references', () => {
  const cases: [string, ImageRef][] = [
    ['nginx', { registry: 'docker.io', repository: 'library/nginx', tag: 'latest' }],
    ['nginx:1.25', { registry: 'docker.io', repository: 'library/nginx', tag: '1.25' }],
    ['grafana/grafana:6.4.3', { registry: 'docker.io', repository: 'grafana/grafana', tag: '6.4.3' }],
    ['docker.io/nginx', { registry: 'docker.io', repository: 'library/nginx', tag: 'latest' }],
    ['index.docker.io/library/nginx:1', { registry: 'docker.io', repository: 'library/nginx', tag: '1' }],
    ['registry-1.docker.io/rook/ceph:v1.3.0', { registry: 'docker.io', repository: 'rook/ceph', tag: 'v1.3.0' }],
    ['quay.io/prometheus/prometheus:v2.45.0', { registry: 'quay.io', repository: 'prometheus/prometheus', tag: 'v2.45.0' }],
    ['localhost/app', { registry: 'localhost', repository: 'app', tag: 'latest' }],
    ['localhost:5000/app:1', { registry: 'localhost:5000', repository: 'app', tag: '1' }],
    ['127.0.0.1:5000/quay.io/x/y:1', { registry: '127.0.0.1:5000', repository: 'quay.io/x/y', tag: '1' }],
    ['myregistry.io:5000/image_name:tag', { registry: 'myregistry.io:5000', repository: 'image_name', tag: 'tag' }],
    ['[::1]:5000/app:1', { registry: '[::1]:5000', repository: 'app', tag: '1' }],
    ['[fe80::1]/team/app', { registry: '[fe80::1]', repository: 'team/app', tag: 'latest' }],
    [`alpine@${D1}`, { registry: 'docker.io', repository: 'library/alpine', digest: D1 }],
    [`k8s.gcr.io/ingress-nginx/controller:v0.43.0@${D1}`, { registry: 'k8s.gcr.io', repository: 'ingress-nginx/controller', tag: 'v0.43.0', digest: D1 }],
    ['a/b__c/d-e--f.g:TAG_x.1-2', { registry: 'docker.io', repository: 'a/b__c/d-e--f.g', tag: 'TAG_x.1-2' }],
    ['  nginx:1  ', { registry: 'docker.io', repository: 'library/nginx', tag: '1' }],
    // Host names are case-insensitive: one canonical form, so --upstream, loopback and lock matching apply.
    ['LOCALHOST:5000/app:1', { registry: 'localhost:5000', repository: 'app', tag: '1' }],
    ['Quay.IO/coreos/flannel:v0.11.0', { registry: 'quay.io', repository: 'coreos/flannel', tag: 'v0.11.0' }],
  ];
  it.each(cases)('%s', (input, want) => {
    expect(parseReference(input)).toEqual(want);
  });
});

describe('parseReference: invalid references name the reason', () => {
  const cases: [string, RegExp][] = [
    ['', /empty reference/],
    ['nginx latest', /white space/],
    ['Team/App:1', /must be lowercase/],
    ['NGINX', /must be lowercase/],
    ['quay.io/Prometheus/prometheus', /must be lowercase/],
    ['nginx:', /invalid tag ""/],
    ['nginx:-bad', /invalid tag/],
    [`nginx:${'a'.repeat(129)}`, /invalid tag/],
    ['nginx@sha256:1234', /invalid digest/],
    ['nginx@sha256:ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789', /invalid sha256 digest/],
    ['nginx@md5', /invalid digest/],
    ['quay.io//x', /empty path component/],
    ['quay.io/x/', /empty path component/],
    ['-bad/x', /invalid repository path component/],
    ['quay.io:port/x', /invalid port/],
    ['[::1/app', /invalid registry host/],
    ['[zz]:5000/app', /invalid registry host/],
    ['exa_mple.com/app', /invalid registry host/],
    [':5000/app', /invalid registry host/],
    ['https://quay.io/x/y', /./],
    [D1.slice('sha256:'.length), /image ID/],
  ];
  it.each(cases)('%j', (input, reason) => {
    let caught: unknown;
    try {
      parseReference(input);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidReference);
    expect((caught as InvalidReference).reason).toMatch(reason);
  });
});

describe('name length', () => {
  it('limits the normalised name to 255 characters, as ParseNormalizedNamed does', () => {
    const fits = 'a'.repeat(255 - 'docker.io/library/'.length);
    expect(parseReference(fits).repository).toBe(`library/${fits}`);
    expect(() => parseReference(`${fits}a`)).toThrow(/longer than 255/);
    expect(() => parseReference(`quay.io/${'a'.repeat(248)}`)).toThrow(/longer than 255/);
  });
});

describe('formatReference and friends', () => {
  const cases: [string, string, string, string][] = [
    ['nginx', 'docker.io/library/nginx:latest', 'nginx:latest', 'latest'],
    [`quay.io/x/y:1@${D1}`, `quay.io/x/y:1@${D1}`, `quay.io/x/y:1@${D1}`, D1],
    [`alpine@${D1}`, `docker.io/library/alpine@${D1}`, `alpine@${D1}`, D1],
    ['grafana/grafana:6.4.3', 'docker.io/grafana/grafana:6.4.3', 'grafana/grafana:6.4.3', '6.4.3'],
    ['[::1]:5000/app:1', '[::1]:5000/app:1', '[::1]:5000/app:1', '1'],
  ];
  it.each(cases)('%s', (input, canonical, familiar, manifest) => {
    const ref = parseReference(input);
    expect(formatReference(ref)).toBe(canonical);
    expect(familiarName(ref)).toBe(familiar);
    expect(manifestReference(ref)).toBe(manifest);
  });
});

describe('properties', () => {
  const alphabet = 'abcAB09.-_:/@[]'.split('');
  const refish = fc.oneof(
    fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 40 }),
    fc.string({ maxLength: 40 }),
    fc.tuple(
      fc.constantFrom('', 'quay.io/', 'localhost:5000/', '[::1]:80/', 'docker.io/', 'index.docker.io/'),
      fc.stringMatching(/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+)?$/),
      fc.constantFrom('', ':1', ':v1.2-rc_3', `@${D1}`, `:x@${D1}`),
    ).map(([a, b, c]) => a + b + c),
  );

  it('random strings either parse or throw InvalidReference', () => {
    fc.assert(
      fc.property(refish, (s) => {
        try {
          parseReference(s);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidReference);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('formatReference(parseReference(x)) parses back to the same value', () => {
    fc.assert(
      fc.property(refish, (s) => {
        let ref: ImageRef;
        try {
          ref = parseReference(s);
        } catch {
          return;
        }
        expect(parseReference(formatReference(ref))).toEqual(ref);
      }),
      { numRuns: 2000 },
    );
  });
});
