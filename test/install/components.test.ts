import { describe, expect, it } from 'vitest';
import { componentKind, componentSteps, DEFAULT_TIMEOUTS, installOrder, type ComponentInput } from '../../src/install/components.js';
import type { ManifestUnit, Resource } from '../../src/install/resources.js';
import type { Step } from '../../src/install/steps.js';

const ctx = { kubectl: ['kubectl'], timeouts: DEFAULT_TIMEOUTS, filesDir: '/etc/ampere-images' };
const r = (kind: string, name: string, extra: Partial<Resource> = {}): Resource => ({ apiVersion: 'v1', kind, name, ...extra });
const crd = (group: string): Resource => r('CustomResourceDefinition', `x.${group}`, { apiVersion: 'apiextensions.k8s.io/v1', group });
const dir = (path: string, files: Record<string, Resource[]>, kustomize = false): ManifestUnit =>
  ({ path, kustomize, digest: `sha256:${path}`, files: Object.entries(files).map(([f, resources]) => ({ path: `${path}/${f}`, digest: `sha256:${f}`, resources })) });

/** "argv without kubectl" for run and wait steps, "write PATH" for files. */
const lines = (steps: Step[]): string[] => steps.map((s) => {
  if (s.kind === 'run' || s.kind === 'wait') return `${s.kind} ${s.argv.slice(1).join(' ')}`;
  if (s.kind === 'write') return `write ${s.path}`;
  return s.kind;
});

describe('component kinds', () => {
  it.each([
    ['CNI-canal', undefined, 'cni'],
    ['calico', undefined, 'cni'],
    ['metrics-server', undefined, 'metrics'],
    ['Storage', undefined, 'storage'],
    ['rook-ceph', undefined, 'storage'],
    ['kube-prometheus', undefined, 'monitoring'],
    ['dashboard', undefined, 'dashboard'],
    ['ingress-nginx', undefined, 'ingress'],
    ['EFK', undefined, 'logging'],
    ['metallb', undefined, 'load-balancer'],
    ['kubernetes', undefined, 'cluster'],
    ['kata-deploy', undefined, 'other'],
    ['health-check', undefined, 'other'],
    ['networking', 'canal', 'cni'],
  ])('%s (install: %s) is %s', (name, install, kind) => {
    expect(componentKind({ name, ...(install ? { install } : {}), units: [] })).toBe(kind);
  });

  it('falls back to what the manifests create', () => {
    expect(componentKind({ name: 'blocks', units: [dir('m', { 'c.yaml': [r('CephCluster', 'c', { apiVersion: 'ceph.rook.io/v1' })] })] })).toBe('storage');
    expect(componentKind({ name: 'search', units: [dir('m', { 'k.yaml': [r('Kibana', 'k')] })] })).toBe('logging');
  });
});

describe('install order', () => {
  it('sorts by kind as the reference stack installs, keeping the stack order within a kind and others last', () => {
    const named = (name: string, install?: string): ComponentInput => ({ name, ...(install ? { install } : {}), units: [] });
    const stack = [named('EFK', 'logging'), named('kata', 'sandbox'), named('rook', 'storage'), named('gvisor'), named('metallb'),
      named('prometheus', 'monitoring'), named('ingress-nginx'), named('dashboard'), named('core-metrics', 'metrics-server'),
      named('CNI-canal', 'cni'), named('control-plane', 'kubeadm')];
    expect(installOrder(stack).map((c) => c.name)).toEqual(['control-plane', 'CNI-canal', 'core-metrics', 'rook', 'prometheus',
      'dashboard', 'ingress-nginx', 'EFK', 'metallb', 'kata', 'gvisor']);
  });
});

describe('component steps', () => {
  it('applies CRDs first and waits until Established, then the rest, then the custom resources', () => {
    const c: ComponentInput = {
      name: 'lb',
      units: [dir('m/lb', {
        'a-pool.yaml': [r('IPAddressPool', 'p', { apiVersion: 'metallb.io/v1beta1', namespace: 'metallb-system' })],
        'b-crds.yaml': [crd('metallb.io')],
        'c-controller.yaml': [r('Deployment', 'controller', { apiVersion: 'apps/v1', namespace: 'metallb-system' })],
      })],
    };
    expect(lines(componentSteps(c, ctx))).toEqual([
      'run apply --server-side --force-conflicts -f m/lb/b-crds.yaml',
      'wait wait --for condition=Established crd --all --timeout=60s',
      'run apply --server-side --force-conflicts -f m/lb/c-controller.yaml',
      'wait rollout status deployment/controller -n metallb-system --timeout=60s',
      'run apply --server-side --force-conflicts -f m/lb/a-pool.yaml',
    ]);
  });

  it('applies a folder whole with -R when nothing needs splitting, and a kustomization with -k', () => {
    const c: ComponentInput = {
      name: 'apps',
      units: [
        dir('m/a', { 'x.yaml': [r('Deployment', 'web')], 'y.yaml': [r('Service', 'web')] }),
        dir('m/k', { 'kustomization-resources.yaml': [r('DaemonSet', 'agent', { namespace: 'ops' })] }, true),
      ],
    };
    expect(lines(componentSteps(c, ctx))).toEqual([
      'run apply --server-side --force-conflicts -R -f m/a',
      'run apply --server-side --force-conflicts -k m/k',
      'wait rollout status deployment/web -n default --timeout=60s',
      'wait rollout status daemonset/agent -n ops --timeout=60s',
    ]);
  });

  it('waits for nodes Ready after a CNI, and for an APIService to be Available', () => {
    const cni = componentSteps({ name: 'CNI-canal', units: [{ path: 'c.yaml', kustomize: false, digest: 'sha256:c', files: [{ path: 'c.yaml', digest: 'sha256:c', resources: [r('DaemonSet', 'canal', { namespace: 'kube-system' })] }] }] }, ctx);
    expect(lines(cni)).toEqual([
      'run apply --server-side --force-conflicts -f c.yaml',
      'wait wait --for=condition=Ready nodes --all --timeout=60s',
      'wait rollout status daemonset/canal -n kube-system --timeout=60s',
    ]);
    const metrics = componentSteps({ name: 'metrics-server', units: [dir('m', { 'm.yaml': [r('APIService', 'v1beta1.metrics.k8s.io')] })] }, ctx);
    expect(lines(metrics)).toContain('wait wait --for=condition=Available apiservice/v1beta1.metrics.k8s.io --timeout=60s');
  });

  it('storage: OSD Running, rook-ceph-block default, a test PVC Bound then deleted', () => {
    const steps = componentSteps({
      name: 'storage',
      units: [dir('m/rook', {
        'crds.yaml': [crd('ceph.rook.io')],
        'operator.yaml': [r('Deployment', 'rook-ceph-operator', { namespace: 'rook-ceph' })],
        'cluster.yaml': [r('CephCluster', 'rook-ceph', { apiVersion: 'ceph.rook.io/v1', namespace: 'rook-ceph' })],
        'sc.yaml': [r('StorageClass', 'other'), r('StorageClass', 'rook-ceph-block')],
      })],
    }, ctx);
    const l = lines(steps);
    const at = (prefix: string): number => l.findIndex((x) => x.startsWith(prefix));
    expect(at('run apply --server-side --force-conflicts -f m/rook/cluster.yaml')).toBeGreaterThan(at('wait rollout status deployment/rook-ceph-operator'));
    expect(l.slice(at('wait wait --for=jsonpath={.status.phase}=Running'))).toEqual([
      'wait wait --for=jsonpath={.status.phase}=Running pod -l app=rook-ceph-osd -n rook-ceph --timeout=60s',
      'run patch storageclass rook-ceph-block -p {"metadata":{"annotations":{"storageclass.kubernetes.io/is-default-class":"true"}}}',
      'write /etc/ampere-images/storage-check-pvc.yaml',
      'run apply -f /etc/ampere-images/storage-check-pvc.yaml',
      'wait wait --for=jsonpath={.status.phase}=Bound pvc/ampere-images-storage-check -n default --timeout=60s',
      'run delete -f /etc/ampere-images/storage-check-pvc.yaml --wait=false',
    ]);
    const pvc = steps.find((s) => s.kind === 'write');
    expect(pvc?.kind === 'write' && pvc.content).toContain('storageClassName: rook-ceph-block');
    const osd = steps.find((s) => s.id.endsWith('osd:rook-ceph'));
    expect(osd?.kind === 'wait' && osd.failure).toBe('storage: no rook-ceph-osd pod became Running in namespace rook-ceph');
    expect(osd?.kind === 'wait' && osd.timeoutSeconds).toBe(DEFAULT_TIMEOUTS.osd);
  });

  it('logging: Elasticsearch and Kibana green before fluent-bit is applied', () => {
    const l = lines(componentSteps({
      name: 'EFK',
      units: [dir('m/efk', {
        'a.yaml': [r('StatefulSet', 'elastic-operator', { namespace: 'elastic-system' })],
        'b.yaml': [r('DaemonSet', 'fluent-bit', { namespace: 'logging' })],
        'c.yaml': [r('Elasticsearch', 'logs', { namespace: 'logging' }), r('Kibana', 'logs', { namespace: 'logging' })],
      })],
    }, ctx));
    expect(l).toEqual([
      'run apply --server-side --force-conflicts -f m/efk/a.yaml -f m/efk/c.yaml',
      'wait rollout status statefulset/elastic-operator -n elastic-system --timeout=60s',
      'wait wait --for=jsonpath={.status.health}=green elasticsearch/logs -n logging --timeout=60s',
      'wait wait --for=jsonpath={.status.health}=green kibana/logs -n logging --timeout=60s',
      'run apply --server-side --force-conflicts -f m/efk/b.yaml',
      'wait rollout status daemonset/fluent-bit -n logging --timeout=60s',
    ]);
  });

  it('logging in one file (the 2020 stack): the health waits come after the apply that creates them', () => {
    const l = lines(componentSteps({
      name: 'EFK',
      units: [dir('m/efk', {
        'efk.yaml': [r('StatefulSet', 'elastic-operator', { namespace: 'elastic-system' }), r('Elasticsearch', 'logging', { namespace: 'logging' }),
          r('Kibana', 'logging', { namespace: 'logging' }), r('DaemonSet', 'fluentd', { namespace: 'logging' })],
      })],
    }, ctx));
    expect(l).toEqual([
      'run apply --server-side --force-conflicts -R -f m/efk',
      'wait rollout status statefulset/elastic-operator -n elastic-system --timeout=60s',
      'wait wait --for=jsonpath={.status.health}=green elasticsearch/logging -n logging --timeout=60s',
      'wait wait --for=jsonpath={.status.health}=green kibana/logging -n logging --timeout=60s',
      'wait rollout status daemonset/fluentd -n logging --timeout=60s',
    ]);
  });

  it('the cluster component installs nothing itself, and a workload listed twice is waited for once', () => {
    expect(componentSteps({ name: 'kubernetes', units: [dir('m', { 'x.yaml': [r('Deployment', 'x')] })] }, ctx)).toEqual([]);
    const twice = componentSteps({ name: 'apps', units: [dir('a', { 'x.yaml': [r('Deployment', 'x')] }), dir('b', { 'x.yaml': [r('Deployment', 'x')] })] }, ctx);
    const ids = twice.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(lines(twice).filter((x) => x.startsWith('wait'))).toHaveLength(1);
  });

  it('bounds each attempt by the shorter of the wait and a minute', () => {
    const steps = componentSteps({ name: 'CNI', units: [dir('m', { 'x.yaml': [r('Pod', 'x')] })] }, { ...ctx, timeouts: { ...DEFAULT_TIMEOUTS, nodes: 20 } });
    const nodes = steps.find((s) => s.kind === 'wait');
    expect(nodes?.kind === 'wait' && nodes.argv.at(-1)).toBe('--timeout=20s');
    expect(nodes?.kind === 'wait' && nodes.failure).toBe('CNI: nodes did not become Ready after the CNI was applied');
  });
});
