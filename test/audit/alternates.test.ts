import { describe, expect, it } from 'vitest';
import { alternateCandidates } from '../../src/audit/alternates.js';

describe('alternateCandidates', () => {
  it.each([
    ['quay.io/coreos/flannel:v0.11.0', [], [
      'quay.io/coreos/flannel:v0.11.0-arm64', 'quay.io/coreos/flannel:v0.11.0-aarch64', 'quay.io/coreos/flannel-arm64:v0.11.0',
    ]],
    ['k8s.gcr.io/metrics-server-amd64:v0.3.6', [], [
      'k8s.gcr.io/metrics-server-amd64:v0.3.6-arm64', 'k8s.gcr.io/metrics-server-amd64:v0.3.6-aarch64', 'k8s.gcr.io/metrics-server-arm64:v0.3.6',
    ]],
    ['nginx:1.17', [], [
      'docker.io/library/nginx:1.17-arm64', 'docker.io/library/nginx:1.17-aarch64', 'docker.io/library/nginx-arm64:1.17', 'docker.io/arm64v8/nginx:1.17',
    ]],
    ['quay.io/x/app:v1-amd64', [], ['quay.io/x/app:v1-arm64', 'quay.io/x/app:v1-aarch64', 'quay.io/x/app-arm64:v1-amd64']],
  ])('%s -> conventional candidates in order', (ref, declared, expected) => {
    expect(alternateCandidates(ref, declared)).toEqual(expected);
  });

  it('puts declared alternates first, canonical, without duplicates or the ref itself', () => {
    const out = alternateCandidates('quay.io/coreos/flannel:v0.11.0', [
      'egernst/coreos-flannel:v0.11.0', 'quay.io/coreos/flannel:v0.11.0-arm64', 'quay.io/coreos/flannel:v0.11.0',
    ]);
    expect(out).toEqual([
      'docker.io/egernst/coreos-flannel:v0.11.0', 'quay.io/coreos/flannel:v0.11.0-arm64',
      'quay.io/coreos/flannel:v0.11.0-aarch64', 'quay.io/coreos/flannel-arm64:v0.11.0',
    ]);
  });

  it('offers no tag-based candidates for a digest-only reference', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(alternateCandidates(`nginx@${digest}`)).toEqual([]);
  });

  it('drops the digest from candidates of a tag+digest reference', () => {
    const digest = `sha256:${'b'.repeat(64)}`;
    const out = alternateCandidates(`nginx:1.17@${digest}`);
    expect(out).toContain('docker.io/arm64v8/nginx:1.17');
    expect(out.every((c) => !c.includes('@'))).toBe(true);
  });
});
