/** The text rules that decide when a string is an image reference. Pure, table-driven. */
import { describe, expect, it } from 'vitest';
import { hasTagOrDigest, looksHosted, namesBaseImage, namesImage, parseFlag } from '../../src/manifests/rules.js';

describe('namesImage', () => {
  it.each([
    ['image', true],
    ['baseImage', true],
    ['ROOK_CSI_CEPH_IMAGE', true],
    ['config-reloader-image', true],
    ['podInfraContainerImage', true],
    ['imagePullPolicy', false],
    ['imagePullSecrets', false],
    ['imageGCHighThresholdPercent', false],
    ['imageSet', false],
    ['images', false],
    ['name', false],
    ['prometheus-config-reloader', false],
  ])('%s -> %s', (key, want) => {
    expect(namesImage(key)).toBe(want);
  });
});

describe('namesBaseImage', () => {
  it.each([
    ['baseImage', true],
    ['thanos-default-base-image', true],
    ['PROMETHEUS_BASE_IMAGE', true],
    ['image', false],
    ['config-reloader-image', false],
  ])('%s -> %s', (key, want) => {
    expect(namesBaseImage(key)).toBe(want);
  });
});

describe('parseFlag', () => {
  it.each([
    ['--config-reloader-image=quay.io/x:1', { name: 'config-reloader-image', prefix: '--config-reloader-image=', value: 'quay.io/x:1' }],
    ['-v=4', { name: 'v', prefix: '-v=', value: '4' }],
    ['--sidecar-image', { name: 'sidecar-image', prefix: '' }],
    ['--empty=', { name: 'empty', prefix: '--empty=', value: '' }],
    ['quay.io/x:1', undefined],
    ['---', undefined],
    ['--=x', undefined],
  ])('%s', (text, want) => {
    expect(parseFlag(text)).toEqual(want);
  });
});

describe('looksHosted: a registry host and a tag or digest', () => {
  it.each([
    ['quay.io/cephcsi/cephcsi:v3.17.0', true],
    ['registry.k8s.io/pause:3.9', true],
    ['localhost:5000/app:1', true],
    ['localhost/app:1', true],
    ['myhost:5000/app@sha256:abc', true],
    ['[::1]:5000/app:1', true],
    ['Quay.io/Team/App:1', true],
    ['quay.io/cephcsi/cephcsi', false],
    ['localhost:5000/app', false],
    ['rook/ceph:v1.3.0', false],
    ['nginx:1.25', false],
    ['info', false],
    ['kube-system/kubelet', false],
    ['https://quay.io/x/y:1', false],
    ['/usr/bin/thing:1', false],
    ['quay.io/x/y:1 and more', false],
    ['example.com', false],
  ])('%s -> %s', (text, want) => {
    expect(looksHosted(text)).toBe(want);
  });
});

describe('hasTagOrDigest', () => {
  it.each([
    ['nginx', false],
    ['localhost:5000/app', false],
    ['nginx:1', true],
    ['nginx@sha256:x', true],
  ])('%s -> %s', (text, want) => {
    expect(hasTagOrDigest(text)).toBe(want);
  });
});
