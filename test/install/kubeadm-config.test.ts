import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import {
  controlPlaneTaints, kubeadmConfigYaml, kubeadmSettings, parseKubernetesVersion,
} from '../../src/install/kubeadm-config.js';
import type { Lock, LockEntry } from '../../src/lock.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const entry = (registry: string, source: string): LockEntry => ({
  source, sourceDigest: DIGEST, target: `${registry}/${source}`, digest: DIGEST, platforms: {},
});
const lockOf = (registry: string, sources: string[]): Lock => ({ registry, images: sources.map((s) => entry(registry, s)) });

/**
 * Fields the kubeadm configuration reference documents (kubeadm-config.v1beta4 / v1beta3 / v1beta2,
 * kubelet-config.v1beta1). A key outside these would be rejected by kubeadm's strict decoding.
 */
const DOCUMENTED: Record<string, string[]> = {
  InitConfiguration: ['apiVersion', 'kind', 'bootstrapTokens', 'nodeRegistration', 'localAPIEndpoint', 'certificateKey', 'skipPhases', 'patches', 'timeouts', 'dryRun'],
  ClusterConfiguration: ['apiVersion', 'kind', 'etcd', 'networking', 'kubernetesVersion', 'controlPlaneEndpoint', 'apiServer', 'controllerManager', 'scheduler', 'dns', 'proxy', 'certificatesDir', 'imageRepository', 'featureGates', 'clusterName', 'encryptionAlgorithm', 'certificateValidityPeriod', 'caCertificateValidityPeriod', 'upgrade'],
  'ClusterConfiguration.networking': ['serviceSubnet', 'podSubnet', 'dnsDomain'],
  'ClusterConfiguration.dns': ['disabled', 'imageRepository', 'imageTag'],
  'InitConfiguration.nodeRegistration': ['name', 'criSocket', 'taints', 'kubeletExtraArgs', 'ignorePreflightErrors', 'imagePullPolicy', 'imagePullSerial'],
};
const KUBELET_FIELDS = ['apiVersion', 'kind', 'cgroupDriver', 'failSwapOn'];

function validate(text: string): Record<string, Record<string, unknown>> {
  const docs = parseAllDocuments(text).map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJS() as Record<string, unknown>;
  });
  const byKind: Record<string, Record<string, unknown>> = {};
  for (const doc of docs) {
    const kind = String(doc.kind);
    expect(byKind[kind], `one ${kind}`).toBeUndefined();
    byKind[kind] = doc;
    const allowed = kind === 'KubeletConfiguration' ? KUBELET_FIELDS : DOCUMENTED[kind];
    expect(allowed, `documented kind ${kind}`).toBeDefined();
    for (const key of Object.keys(doc)) expect(allowed, `${kind}.${key}`).toContain(key);
    for (const [field, value] of Object.entries(doc)) {
      const nested = DOCUMENTED[`${kind}.${field}`];
      if (nested) for (const key of Object.keys(value as object)) expect(nested, `${kind}.${field}.${key}`).toContain(key);
    }
  }
  expect(Object.keys(byKind).sort()).toEqual(['ClusterConfiguration', 'InitConfiguration', 'KubeletConfiguration']);
  return byKind;
}

describe('kubeadm configuration', () => {
  it('points kubeadm at the mirror, keeps the CoreDNS path and takes the version from kube-apiserver', () => {
    const lock = lockOf('127.0.0.1:5000', ['registry.k8s.io/kube-apiserver:v1.31.2', 'registry.k8s.io/coredns/coredns:v1.11.3', 'docker.io/library/nginx:1.25']);
    const docs = validate(kubeadmConfigYaml(kubeadmSettings(lock)));
    const cluster = docs.ClusterConfiguration ?? {};
    expect(cluster.apiVersion).toBe('kubeadm.k8s.io/v1beta4');
    expect(docs.InitConfiguration?.apiVersion).toBe('kubeadm.k8s.io/v1beta4');
    expect(cluster.kubernetesVersion).toBe('v1.31.2');
    expect(cluster.imageRepository).toBe('127.0.0.1:5000/registry.k8s.io');
    // kubeadm pulls <dns.imageRepository>/coredns:<tag>: that must be the mirrored coredns/coredns.
    expect(cluster.dns).toEqual({ imageRepository: '127.0.0.1:5000/registry.k8s.io/coredns' });
    expect(cluster.networking).toEqual({ podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/12' });
    expect(docs.InitConfiguration?.nodeRegistration).toEqual({ criSocket: 'unix:///run/containerd/containerd.sock' });
    expect(docs.KubeletConfiguration).toEqual({ apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration', cgroupDriver: 'systemd', failSwapOn: true });
  });

  it('follows a 2020 lock: k8s.gcr.io, flat coredns, the v1beta2 API and a socket path', () => {
    const lock = lockOf('mirror.lan:5000', ['k8s.gcr.io/kube-apiserver:v1.18.20', 'k8s.gcr.io/coredns:1.6.7']);
    const settings = kubeadmSettings(lock);
    expect(settings).toEqual({
      api: 'v1beta2', kubernetesVersion: 'v1.18.20', imageRepository: 'mirror.lan:5000/k8s.gcr.io',
      dnsImageRepository: 'mirror.lan:5000/k8s.gcr.io', podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/12',
    });
    const docs = validate(kubeadmConfigYaml(settings));
    expect(docs.InitConfiguration?.nodeRegistration).toEqual({ criSocket: '/run/containerd/containerd.sock' });
  });

  it.each([
    ['v1.30.5', 'v1beta3'],
    ['v1.22.0', 'v1beta3'],
    ['v1.21.14', 'v1beta2'],
    ['v1.31.0', 'v1beta4'],
    ['v1.33.1', 'v1beta4'],
  ])('Kubernetes %s uses kubeadm.k8s.io/%s', (version, api) => {
    expect(kubeadmSettings(lockOf('r:5000', [`registry.k8s.io/kube-apiserver:${version}`])).api).toBe(api);
  });

  it('without kube-apiserver in the lock: default repository, no version, newest API; options win', () => {
    const lock = lockOf('r:5000', ['docker.io/library/nginx:1.25']);
    expect(kubeadmSettings(lock)).toMatchObject({ api: 'v1beta4', imageRepository: 'r:5000/registry.k8s.io', dnsImageRepository: 'r:5000/registry.k8s.io/coredns' });
    expect(kubeadmSettings(lock).kubernetesVersion).toBeUndefined();
    expect(validate(kubeadmConfigYaml(kubeadmSettings(lock))).ClusterConfiguration?.kubernetesVersion).toBeUndefined();
    expect(kubeadmSettings(lock, { kubernetesVersion: 'v1.29.3' })).toMatchObject({ api: 'v1beta3', kubernetesVersion: 'v1.29.3' });
    expect(kubeadmSettings(lock, { kubernetesVersion: 'v1.29.3', api: 'v1beta4' }).api).toBe('v1beta4');
  });

  it('reads versions with or without the v, and refuses anything else naming the flag', () => {
    expect(parseKubernetesVersion('1.31.2', '--kubernetes-version')).toBe('v1.31.2');
    expect(parseKubernetesVersion('v1.31.2', '--kubernetes-version')).toBe('v1.31.2');
    expect(() => parseKubernetesVersion('latest', '--kubernetes-version')).toThrow(InputError);
    expect(() => parseKubernetesVersion('latest', '--kubernetes-version')).toThrow(/^--kubernetes-version: "latest"/);
  });
});

describe('control-plane taints', () => {
  it.each([
    ['v1.18.20', ['node-role.kubernetes.io/master']],
    ['v1.24.3', ['node-role.kubernetes.io/master', 'node-role.kubernetes.io/control-plane']],
    ['v1.25.0', ['node-role.kubernetes.io/control-plane']],
    [undefined, ['node-role.kubernetes.io/control-plane']],
  ])('%s', (version, taints) => {
    expect(controlPlaneTaints(version)).toEqual(taints);
  });
});
