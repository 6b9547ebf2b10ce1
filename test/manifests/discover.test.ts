/**
 * Discovery over the fixtures written for this project: every place DESIGN.md lists, what must
 * not be found, invalid values, files that do not parse, and kustomize roots (checked against
 * what `kubectl kustomize` renders).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { discoverImages } from '../../src/manifests/discover.js';
import type { Discovery } from '../../src/manifests/discovery.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'manifests');

/** "ref @ location" per location, the file name taken off the location. */
function pairs(found: Discovery, file: string): string[] {
  return found.images.flatMap((img) => img.locations.map((l) => `${img.ref} @ ${l.startsWith(`${file}: `) ? l.slice(file.length + 2) : l}`));
}

// [file, every reference found with its location, every invalid value with its location and reason]
const FILES: [string, string[], string[]][] = [
  ["workloads.yaml", [
    "127.0.0.1:5000/agents/node-agent:v3 @ DaemonSet kube-system/agent spec.template.spec.containers[0].image",
    "docker.io/example/report:0.9.0 @ CronJob ops/nightly spec.jobTemplate.spec.template.spec.containers[0].image",
    "docker.io/library/alpine@sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3 @ Job once spec.template.spec.containers[0].image",
    "docker.io/library/busybox:1.36 @ Pod shop/debug spec.initContainers[0].image",
    "docker.io/library/nginx:latest @ Pod shop/debug spec.containers[0].image",
    "docker.io/library/postgres:16.2 @ StatefulSet data/db spec.template.spec.containers[0].image",
    "docker.io/nicolaka/netshoot:v0.13 @ Pod shop/debug spec.ephemeralContainers[0].image",
    "ghcr.io/example/migrate:2.1 @ Deployment shop/web spec.template.spec.initContainers[0].image",
    "quay.io/example/web:1.0@sha256:9bba603b99bf25f6d117cf1235b6598c16033ad027b143c90fa5b3cc583c5713 @ Deployment shop/web spec.template.spec.containers[0].image",
    "registry.example.com:5000/legacy/app:1 @ ReplicationController legacy spec.template.spec.containers[0].image",
    "registry.k8s.io/pause:3.9 @ ReplicaSet rs spec.template.spec.containers[0].image",
  ], [
  ]],
  ["list.yaml", [
    "docker.io/library/busybox:1.36 @ Pod probe items[1].spec.containers[0].image",
    "quay.io/example/api:3.2 @ Deployment shop/api items[0].spec.template.spec.containers[0].image",
  ], [
  ]],
  ["crds.yaml", [
    "docker.elastic.co/elasticsearch/elasticsearch:8.13.0 @ Elasticsearch logs spec.image",
    "quay.io/ceph/ceph:v18.2.2 @ CephCluster rook-ceph/rook-ceph spec.cephVersion.image",
    "quay.io/prometheus/alertmanager:v0.26.0 @ Alertmanager monitoring/main spec.image",
    "quay.io/prometheus/prometheus:v2.45.0 @ Prometheus monitoring/k8s spec.image",
    "quay.io/thanos/thanos:v0.34.0 @ ThanosRuler monitoring/ruler spec.image",
    "registry.example.com/widgets/sidecar:0.1 @ Widget gadget spec.runtime.sidecar.image",
  ], [
  ]],
  ["operator-legacy.yaml", [
    "quay.io/prometheus/alertmanager:v0.18.0-custom @ Alertmanager monitoring/tagged spec.baseImage",
    "quay.io/prometheus/alertmanager@sha256:9bba603b99bf25f6d117cf1235b6598c16033ad027b143c90fa5b3cc583c5713 @ Alertmanager monitoring/pinned spec.baseImage",
    "quay.io/prometheus/prometheus:v2.11.0 @ Prometheus monitoring/old spec.baseImage",
    "quay.io/prometheus/prometheus:v2.20.0 @ Prometheus monitoring/image-wins spec.image",
    "quay.io/thanos/thanos:v0.7.0 @ Prometheus monitoring/old spec.thanos.baseImage",
  ], [
    "operator-legacy.yaml: Prometheus monitoring/no-version spec.baseImage: baseImage without version, tag or sha: the operator picks its own default version",
  ]],
  ["env-args.yaml", [
    "docker.io/jimmidyson/configmap-reload:v0.5.0 @ Deployment monitoring/operator spec.template.spec.containers[0].args[2]",
    "docker.io/library/busybox:1.36.1 @ Deployment monitoring/operator spec.template.spec.containers[0].args[4]",
    "quay.io/cephcsi/cephcsi:v3.10.2 @ Deployment monitoring/operator spec.template.spec.containers[0].env[0].value",
    "quay.io/example/helper:1.2 @ Deployment monitoring/operator spec.template.spec.containers[0].env[2].value",
    "quay.io/prometheus-operator/prometheus-config-reloader:v0.70.0 @ Deployment monitoring/operator spec.template.spec.containers[0].args[1]",
    "quay.io/prometheus-operator/prometheus-operator:v0.70.0 @ Deployment monitoring/operator spec.template.spec.containers[0].image",
    "registry.example.com/tools/sidecar:2.0@sha256:01038e7de14b78d702d2849c3aad72fd25903c4765af63cf16aa3398f5d5f2dd @ Deployment monitoring/operator spec.template.spec.containers[0].command[1]",
    "registry.k8s.io/sig-storage/csi-provisioner:v4.0.0 @ Deployment monitoring/operator spec.template.spec.containers[0].env[1].value",
  ], [
  ]],
  ["configmap.yaml", [
    "quay.io/cephcsi/cephcsi:v3.10.2 @ ConfigMap rook-ceph/rook-ceph-operator-config data.plugin",
    "registry.k8s.io/sig-storage/csi-attacher:v4.5.0 @ ConfigMap rook-ceph/rook-ceph-operator-config data.ROOK_CSI_ATTACHER_IMAGE",
  ], [
  ]],
  ["invalid.yaml", [
    "quay.io/example/fine:1 @ Pod broken spec.containers[1].image",
  ], [
    "invalid.yaml: Pod broken spec.containers[0].image: repository name must be lowercase",
    "invalid.yaml: Pod broken spec.containers[2].image: contains white space",
    "invalid.yaml: Pod broken spec.containers[3].image: contains white space",
    "invalid.yaml: Pod broken spec.initContainers[0].image: invalid digest \"sha256:1234\"",
  ]],
  ["helm-template.yaml", [
  ], [
    "helm-template.yaml:11: invalid YAML: Implicit keys need to be on a single line",
  ]],
  ["pod.json", [
    "quay.io/example/json-app:1.0 @ Pod shop/json-pod spec.containers[0].image",
    "quay.io/example/json-helper:1.0 @ Pod shop/json-pod spec.containers[0].args[1]",
  ], [
  ]],
];

describe('discoverImages: one fixture at a time', () => {
  it.each(FILES)('%s', async (file, images, invalid) => {
    const found = await discoverImages([file], { cwd: FIXTURES });
    expect(pairs(found, file)).toEqual(images);
    expect(found.invalid.map((i) => `${i.location}: ${i.error}`)).toEqual(invalid);
  });

  it('keeps the reference as written and merges locations across files', async () => {
    const found = await discoverImages(['workloads.yaml', 'list.yaml'], { cwd: FIXTURES });
    const busybox = found.images.find((i) => i.ref === 'docker.io/library/busybox:1.36');
    expect(busybox).toEqual({
      ref: 'docker.io/library/busybox:1.36',
      written: 'busybox:1.36',
      locations: ['workloads.yaml: Pod shop/debug spec.initContainers[0].image', 'list.yaml: Pod probe items[1].spec.containers[0].image'],
    });
    expect(found.images.map((i) => i.ref)).toEqual([...found.images.map((i) => i.ref)].sort());
  });

  it('never reports a commented-out reference', async () => {
    const found = JSON.stringify(await discoverImages(['.'], { cwd: FIXTURES }));
    for (const commented of ['report:0.8.0', 'alertmanager:v0.20.0', 'csi-resizer:v1.10.0', 'csi-snapshotter:v7.0.1']) {
      expect(found).not.toContain(commented);
    }
  });

  it('a path that does not exist is bad input', async () => {
    await expect(discoverImages(['nope.yaml'], { cwd: FIXTURES })).rejects.toThrow(InputError);
    await expect(discoverImages(['nope.yaml'], { cwd: FIXTURES })).rejects.toThrow('nope.yaml: no such file or directory');
  });
});

describe('discoverImages: a folder', () => {
  it('reads *.yaml, *.yml and *.json below it, locations relative to cwd, and goes on past broken files', async () => {
    const found = await discoverImages(['manifests'], { cwd: join(FIXTURES, '..') });
    const files = new Set(found.images.flatMap((i) => i.locations.map((l) => l.split(':')[0])));
    expect([...files].sort()).toEqual([
      'manifests/configmap.yaml', 'manifests/crds.yaml', 'manifests/env-args.yaml', 'manifests/invalid.yaml',
      'manifests/kustomize/base/cronjob.yaml', 'manifests/kustomize/base/deployment.yaml', 'manifests/list.yaml',
      'manifests/operator-legacy.yaml', 'manifests/pod.json', 'manifests/workloads.yaml',
    ]);
    expect(found.invalid.map((i) => i.location)).toContain('manifests/helm-template.yaml:11');
  });
});

describe('discoverImages: kustomize', () => {
  const OVERLAY = [
    'docker.io/library/alpine@sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3 @ kustomize/base/deployment.yaml: Deployment shop/app spec.template.spec.initContainers[0].image',
    'docker.io/library/busybox:1.35 @ kustomize/base/deployment.yaml: Deployment shop/app spec.template.spec.containers[4].image',
    'docker.io/library/busybox:1.36.1 @ kustomize/base/deployment.yaml: Deployment shop/app spec.template.spec.containers[3].image',
    'docker.io/library/nginx:1.25 @ kustomize/base/cronjob.yaml: CronJob shop/rotate spec.jobTemplate.spec.template.spec.containers[0].image',
    'docker.io/library/nginx:1.27 @ kustomize/base/deployment.yaml: Deployment shop/app spec.template.spec.containers[1].image',
    'docker.io/library/redis:7.2 @ kustomize/base/deployment.yaml: Deployment shop/app spec.template.spec.containers[2].env[0].value',
    'registry.example.com/app:v1.0.0 @ kustomize/base/deployment.yaml: Deployment shop/app spec.template.spec.containers[0].image',
    'registry.example.com/mirror/redis:7.2 @ kustomize/base/deployment.yaml: Deployment shop/app spec.template.spec.containers[2].image',
  ];

  it('an overlay reports the replacements: newName only, newTag only, digest, name with a tag, a component', async () => {
    expect(pairs(await discoverImages(['kustomize/overlay'], { cwd: FIXTURES }), '')).toEqual(OVERLAY);
  });

  it('the kustomization file itself stands for its folder', async () => {
    expect(pairs(await discoverImages(['kustomize/overlay/kustomization.yaml'], { cwd: FIXTURES }), '')).toEqual(OVERLAY);
  });

  it('a folder holding base, component and overlay builds only the overlay', async () => {
    expect(pairs(await discoverImages(['kustomize'], { cwd: FIXTURES }), '')).toEqual(OVERLAY);
  });

  it('a base given by path is built on its own', async () => {
    const refs = (await discoverImages(['kustomize/base'], { cwd: FIXTURES })).images.map((i) => i.ref);
    expect(refs).toContain('gcr.io/staging/app:master');
    expect(refs).toContain('docker.io/library/nginx:1.25');
  });

  it('finds what kubectl kustomize renders', async () => {
    const rendered = execFileSync('kubectl', ['kustomize', join(FIXTURES, 'kustomize', 'overlay')], { encoding: 'utf8' });
    const dir = mkdtempSync(join(tmpdir(), 'ampere-rendered-'));
    try {
      writeFileSync(join(dir, 'rendered.yaml'), rendered);
      const fromRender = (await discoverImages(['rendered.yaml'], { cwd: dir })).images.map((i) => i.ref);
      const fromSource = (await discoverImages(['kustomize/overlay'], { cwd: FIXTURES })).images.map((i) => i.ref);
      expect(fromSource).toEqual(fromRender);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('problems in a kustomization are reported, the scan goes on', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ampere-kbad-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('missing, remote and non-kustomize resources, a cycle', async () => {
      cpSync(join(FIXTURES, 'kustomize', 'base'), join(dir, 'base'), { recursive: true });
      writeFileSync(join(dir, 'kustomization.yaml'), [
        'resources:', '  - base', '  - missing.yaml', '  - https://github.com/example/repo//deploy?ref=v1', '  - plain', '  - .',
      ].join('\n'));
      cpSync(join(FIXTURES, 'list.yaml'), join(dir, 'plain', 'list.yaml'));
      const found = await discoverImages(['.'], { cwd: dir });
      expect(found.images.map((i) => i.ref)).toContain('gcr.io/staging/app:master');
      expect(found.invalid.map((i) => `${i.location}: ${i.value}: ${i.error}`)).toEqual([
        'kustomization.yaml: resources[1]: missing.yaml: no such file or directory',
        'kustomization.yaml: resources[2]: https://github.com/example/repo//deploy?ref=v1: remote resource not read (the tool works offline)',
        'kustomization.yaml: resources[3]: plain: folder has no kustomization.yaml',
        'kustomization.yaml: resources: .: kustomization includes itself',
      ]);
    });
  });
});
