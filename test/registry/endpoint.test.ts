import { expect, test } from 'vitest';
import { allowedUrl, redactUrl, resolveEndpoint } from '../../src/registry/endpoint.js';
import { isLoopback } from '../../src/reference.js';

test.each([
  ['127.0.0.1:5000', true], ['127.8.9.10', true], ['localhost:5000', true], ['localhost', true], ['[::1]:5000', true],
  ['128.0.0.1:5000', false], ['localhost.example.com', false], ['quay.io', false], ['10.0.0.1:5000', false],
])('isLoopback(%s) = %s', (host, loopback) => {
  expect(isLoopback(host)).toBe(loopback);
});

test.each([
  ['docker.io', {}, { base: 'https://registry-1.docker.io', credentialHost: 'docker.io', insecure: false }],
  ['quay.io', {}, { base: 'https://quay.io', credentialHost: 'quay.io', insecure: false }],
  ['127.0.0.1:5000', {}, { base: 'http://127.0.0.1:5000', credentialHost: '127.0.0.1:5000', insecure: false }],
  ['mirror.lan:5000', { plainHttp: ['mirror.lan:5000'] }, { base: 'http://mirror.lan:5000', credentialHost: 'mirror.lan:5000', insecure: false }],
  ['mirror.lan:5000', { insecure: ['mirror.lan:5000'] }, { base: 'https://mirror.lan:5000', credentialHost: 'mirror.lan:5000', insecure: true }],
  // An upstream mirror gets its own credentials, never Docker Hub's.
  ['docker.io', { upstreams: { 'docker.io': 'http://127.0.0.1:5001/' } }, { base: 'http://127.0.0.1:5001', credentialHost: '127.0.0.1:5001', insecure: false }],
  // Mapped to itself: same host, same credentials.
  ['quay.io', { upstreams: { 'quay.io': 'https://quay.io' } }, { base: 'https://quay.io', credentialHost: 'quay.io', insecure: false }],
  ['ghcr.io', { upstreams: { 'ghcr.io': 'https://cache.lan:8443/ghcr' }, insecure: ['cache.lan:8443'] },
    { base: 'https://cache.lan:8443/ghcr', credentialHost: 'cache.lan:8443', insecure: true }],
])('resolveEndpoint(%s, %j)', (registry, opts, expected) => {
  expect(resolveEndpoint(registry, opts)).toEqual({ host: registry, ...expected });
});

test('allowedUrl: plain HTTP only to loopback, listed hosts and http:// upstreams', () => {
  const opts = { plainHttp: ['lan:5000'], upstreams: { 'docker.io': 'http://cache.lan:5001' } };
  expect(allowedUrl(new URL('https://anything.example/x'), opts)).toBe(true);
  expect(allowedUrl(new URL('http://127.0.0.1:9/x'), opts)).toBe(true);
  expect(allowedUrl(new URL('http://lan:5000/x'), opts)).toBe(true);
  expect(allowedUrl(new URL('http://cache.lan:5001/x'), opts)).toBe(true);
  expect(allowedUrl(new URL('http://evil.example/x'), opts)).toBe(false);
  expect(allowedUrl(new URL('ftp://127.0.0.1/x'), opts)).toBe(false);
});

test('redactUrl drops user info and secret query values', () => {
  expect(redactUrl('https://u:secretpw@r.example/v2/a/blobs/uploads/x?_state=SECRETSTATE&digest=sha256:ab'))
    .toBe('https://r.example/v2/a/blobs/uploads/x?_state=redacted&digest=sha256%3Aab');
  expect(redactUrl('https://s3.example/blob?X-Amz-Signature=SIG&X-Amz-Credential=CRED')).not.toMatch(/SIG|CRED/);
  expect(redactUrl('not a url')).toBe('(invalid URL)');
});
