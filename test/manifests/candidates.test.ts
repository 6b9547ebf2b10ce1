/** Walking one parsed document: which strings are candidates, where, and by which rule. Pure. */
import { describe, expect, it } from 'vitest';
import { findCandidates, formatPath } from '../../src/manifests/candidates.js';
import { parseManifest } from '../../src/manifests/files.js';

function found(yaml: string): string[] {
  const file = parseManifest('t.yaml', yaml);
  return file.docs.flatMap((d, i) => findCandidates(d, i)).map((c) => `${c.resource} ${formatPath(c.path)} ${c.rule}${c.kustomizable ? '*' : ''}: ${c.value}`);
}

const pod = (spec: string): string => `apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ns}\nspec:\n${spec}`;

describe('findCandidates', () => {
  const cases: [string, string, string[]][] = [
    ['image fields of containers and initContainers are kustomizable', pod('  containers: [{name: a, image: nginx}]\n  initContainers: [{name: b, image: busybox:1}]\n'), [
      'Pod ns/p spec.containers[0].image image-field*: nginx',
      'Pod ns/p spec.initContainers[0].image image-field*: busybox:1',
    ]],
    ['ephemeralContainers are found but kustomize does not reach them', pod('  ephemeralContainers: [{name: a, image: busybox:1}]\n'), [
      'Pod ns/p spec.ephemeralContainers[0].image image-field: busybox:1',
    ]],
    ['an image field anywhere in an unknown kind', 'apiVersion: x.io/v1\nkind: Thing\nmetadata: {name: t}\nspec: {deep: {deeper: {image: app:1}}}\n', [
      'Thing t spec.deep.deeper.image image-field: app:1',
    ]],
    ['env by name, env by host, not a bare word', pod('  containers:\n  - env:\n    - {name: X_IMAGE, value: app:1}\n    - {name: HELPER, value: quay.io/h:2}\n    - {name: LEVEL, value: info}\n'), [
      'Pod ns/p spec.containers[0].env[0].value named: app:1',
      'Pod ns/p spec.containers[0].env[1].value hosted: quay.io/h:2',
    ]],
    ['args: --flag=value, --flag value, bare words', pod('  containers:\n  - args: [--a-image=app:1, --b-image, app:2, --c=quay.io/c:3, --d=info, info, --e-image, --f]\n'), [
      'Pod ns/p spec.containers[0].args[0] named: app:1',
      'Pod ns/p spec.containers[0].args[2] named: app:2',
      'Pod ns/p spec.containers[0].args[3] hosted: quay.io/c:3',
    ]],
    ['an untagged base image flag is not a reference', pod('  containers:\n  - args: [--thanos-default-base-image=quay.io/thanos/thanos, --x-base-image=quay.io/x:1]\n'), [
      'Pod ns/p spec.containers[0].args[1] named: quay.io/x:1',
    ]],
    ['ConfigMap data keys, odd keys quoted', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  CSI_IMAGE: app:1\n  plugin: quay.io/p:1\n  level: info\n  "a.b": quay.io/q:1\n', [
      'ConfigMap c data.CSI_IMAGE named: app:1',
      'ConfigMap c data.plugin hosted: quay.io/p:1',
      'ConfigMap c data["a.b"] hosted: quay.io/q:1',
    ]],
    ['not images: pull policy, pull secrets, imageGC, imageSet, numbers, empty', pod('  imagePullSecrets: [{name: regcred}]\n  containers:\n  - {image: "", imagePullPolicy: Always, imageGCHighThresholdPercent: 85, imageSet: {name: cm}}\n'), []],
    ['List items use the item kind and name', 'apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: a}, spec: {containers: [{image: x:1}]}}\n', [
      'Pod a items[0].spec.containers[0].image image-field*: x:1',
    ]],
    ['documents without kind are numbered', 'image: a:1\n---\n- quay.io/b:2\n', [
      'document 1 image image-field: a:1',
      'document 2 [0] hosted: quay.io/b:2',
    ]],
    ['anchors and aliases: the anchored scalar once', 'kind: K\nimages:\n  a: &img quay.io/a:1\n  b: *img\n', [
      'K images.a hosted: quay.io/a:1',
    ]],
    ['baseImage + version in monitoring.coreos.com kinds', 'apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k}\nspec: {baseImage: quay.io/p, version: v2}\n', [
      'Prometheus k spec.baseImage composite: quay.io/p:v2',
    ]],
    ['sha before tag before version', 'apiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata: {name: k}\nspec: {baseImage: quay.io/a, version: v1, tag: t1, sha: abc}\n---\napiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata: {name: l}\nspec: {baseImage: quay.io/a, version: v1, tag: t1}\n', [
      'Alertmanager k spec.baseImage composite: quay.io/a@sha256:abc',
      'Alertmanager l spec.baseImage composite: quay.io/a:t1',
    ]],
    ['spec.image wins over baseImage', 'apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k}\nspec: {image: quay.io/p:v3, baseImage: quay.io/p, version: v2}\n', [
      'Prometheus k spec.image image-field: quay.io/p:v3',
    ]],
    ['baseImage outside the operator kinds is an untagged base image', 'apiVersion: x/v1\nkind: Other\nmetadata: {name: o}\nspec: {baseImage: quay.io/p, version: v2}\n', []],
    ['kustomize images entries read as a plain file give the replacement', 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nimages:\n- {name: gcr.io/s/m, newName: registry.k8s.io/m, newTag: v1}\n- {name: nginx, newName: my/nginx}\n- {name: alpine, digest: "sha256:abc"}\n', [
      'Component images[0] composite: registry.k8s.io/m:v1',
      'Component images[2] composite: alpine@sha256:abc',
    ]],
  ];
  it.each(cases)('%s', (_name, yaml, want) => {
    expect(found(yaml)).toEqual(want);
  });

  it('a baseImage without version, tag or sha is a composite with a problem', () => {
    const file = parseManifest('t.yaml', 'apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k}\nspec: {baseImage: quay.io/p}\n');
    const [c] = findCandidates(file.docs[0]!, 0);
    expect(c?.composite?.problem).toMatch(/baseImage without version/);
  });

  it('comments are not candidates', () => {
    expect(found(pod('  containers:\n  # - image: quay.io/old:1\n  - image: quay.io/new:1 # was quay.io/old:0\n'))).toEqual([
      'Pod ns/p spec.containers[0].image image-field*: quay.io/new:1',
    ]);
  });
});

describe('parseManifest', () => {
  it('reads past duplicate keys', () => {
    expect(found(pod('  containers:\n  - name: a\n    name: b\n    image: quay.io/x:1\n'))).toEqual(['Pod ns/p spec.containers[0].image image-field*: quay.io/x:1']);
  });

  it('names the line of the first syntax error', () => {
    expect(() => parseManifest('t.yaml', 'a: 1\nb: [\n')).toThrow(/^t\.yaml:\d+: invalid YAML: /);
    expect(() => parseManifest('t.yaml', 'a: 1\nb: : c\n')).toThrow('t.yaml:2: invalid YAML');
  });
});
