/**
 * The kubeadm configuration file (kubeadm.k8s.io InitConfiguration + ClusterConfiguration, and a
 * kubelet.config.k8s.io KubeletConfiguration), pointing kubeadm's images at the mirror. Pure.
 */
import { stringify } from 'yaml';
import { InputError } from '../errors.js';
import type { Lock, LockEntry } from '../lock.js';
import { parseReference, type ImageRef } from '../reference.js';

/** v1beta2: kubeadm 1.15-1.25; v1beta3: 1.22+; v1beta4: 1.31+ (the v1beta3 fields used here kept their meaning). */
export type KubeadmApi = 'v1beta2' | 'v1beta3' | 'v1beta4';
export const KUBEADM_APIS: readonly KubeadmApi[] = ['v1beta2', 'v1beta3', 'v1beta4'];

export const POD_SUBNET = '10.244.0.0/16';
export const SERVICE_SUBNET = '10.96.0.0/12';

export interface KubeadmSettings {
  api: KubeadmApi;
  /** "v1.31.2"; undefined lets kubeadm choose (its own version when offline). */
  kubernetesVersion?: string;
  /** "127.0.0.1:5000/registry.k8s.io" */
  imageRepository: string;
  /** "127.0.0.1:5000/registry.k8s.io/coredns": kubeadm drops the coredns/ path element for custom repositories. */
  dnsImageRepository: string;
  podSubnet: string;
  serviceSubnet: string;
}

export interface KubeadmOptions {
  kubernetesVersion?: string;
  api?: KubeadmApi;
}

const VERSION = /^v?(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/;

function lastPathElement(ref: ImageRef): string {
  return ref.repository.slice(ref.repository.lastIndexOf('/') + 1);
}

/** The lock entry whose source repository ends in `name` ("kube-apiserver", "coredns"). */
function entryNamed(lock: Lock, name: string): LockEntry | undefined {
  return lock.images.find((e) => lastPathElement(parseReference(e.source)) === name);
}

/** "R/registry.k8s.io/coredns/coredns:v1" -> "R/registry.k8s.io/coredns": where kubeadm should look. */
function repositoryParent(target: string): string {
  const ref = parseReference(target);
  const slash = ref.repository.lastIndexOf('/');
  return slash < 0 ? ref.registry : `${ref.registry}/${ref.repository.slice(0, slash)}`;
}

export function parseKubernetesVersion(value: string, where: string): string {
  const m = VERSION.exec(value);
  if (!m) throw new InputError(`${where}: "${value}" is not a Kubernetes version like v1.31.2`);
  return value.startsWith('v') ? value : `v${value}`;
}

/** [major, minor] of "v1.31.2". */
export function minorOf(version: string): [number, number] {
  const m = VERSION.exec(version);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

function apiFor(version: string | undefined): KubeadmApi {
  if (version === undefined) return 'v1beta4';
  const [major, minor] = minorOf(version);
  if (major > 1 || minor >= 31) return 'v1beta4';
  return minor >= 22 ? 'v1beta3' : 'v1beta2';
}

/** Settings from the lock: version from kube-apiserver's tag, repositories from the mirrored targets. */
export function kubeadmSettings(lock: Lock, opts: KubeadmOptions = {}): KubeadmSettings {
  const apiserver = entryNamed(lock, 'kube-apiserver');
  let kubernetesVersion = opts.kubernetesVersion;
  const tag = apiserver ? parseReference(apiserver.source).tag : undefined;
  if (kubernetesVersion === undefined && tag !== undefined && VERSION.test(tag)) kubernetesVersion = tag;
  const imageRepository = apiserver ? repositoryParent(apiserver.target) : `${lock.registry}/registry.k8s.io`;
  const coredns = entryNamed(lock, 'coredns');
  const settings: KubeadmSettings = {
    api: opts.api ?? apiFor(kubernetesVersion),
    imageRepository,
    dnsImageRepository: coredns ? repositoryParent(coredns.target) : `${imageRepository}/coredns`,
    podSubnet: POD_SUBNET,
    serviceSubnet: SERVICE_SUBNET,
  };
  if (kubernetesVersion !== undefined) settings.kubernetesVersion = kubernetesVersion;
  return settings;
}

/** Three YAML documents for `kubeadm init --config`. */
export function kubeadmConfigYaml(s: KubeadmSettings): string {
  const apiVersion = `kubeadm.k8s.io/${s.api}`;
  // kubeadm before v1beta3 took a socket path, later ones a URL.
  const criSocket = s.api === 'v1beta2' ? '/run/containerd/containerd.sock' : 'unix:///run/containerd/containerd.sock';
  const init = { apiVersion, kind: 'InitConfiguration', nodeRegistration: { criSocket } };
  const cluster: Record<string, unknown> = { apiVersion, kind: 'ClusterConfiguration' };
  if (s.kubernetesVersion !== undefined) cluster.kubernetesVersion = s.kubernetesVersion;
  cluster.imageRepository = s.imageRepository;
  cluster.dns = { imageRepository: s.dnsImageRepository };
  cluster.networking = { podSubnet: s.podSubnet, serviceSubnet: s.serviceSubnet };
  // systemd: kubeadm's recommended driver, and containerd's runc must use it too (SystemdCgroup).
  const kubelet = { apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration', cgroupDriver: 'systemd', failSwapOn: true };
  return [init, cluster, kubelet].map((d) => stringify(d)).join('---\n');
}

/** Taints kubeadm puts on a control-plane node: "master" until 1.24, both in 1.24, "control-plane" after. */
export function controlPlaneTaints(version: string | undefined): string[] {
  const [, minor] = version === undefined ? [1, 99] : minorOf(version);
  const taints: string[] = [];
  if (minor <= 24) taints.push('node-role.kubernetes.io/master');
  if (minor >= 24) taints.push('node-role.kubernetes.io/control-plane');
  return taints;
}
