/**
 * The install plan, pure: preflight checks, containerd's mirror configuration, kubeadm init with
 * imageRepository on the mirror, then each stack component in stack order with its waits.
 */
import { join } from 'node:path';
import { InputError } from '../errors.js';
import type { Lock } from '../lock.js';
import { parseReference } from '../reference.js';
import { componentSteps, installOrder, type ComponentInput, type WaitTimeouts } from './components.js';
import {
  CERTS_DIR, CONFIG_TOML, mirrorHostsToml, mirrorScheme, upstreamHostsToml, type MirrorAccess,
} from './containerd.js';
import { controlPlaneTaints, kubeadmConfigYaml, kubeadmSettings, type KubeadmOptions } from './kubeadm-config.js';
import { BUILTIN_PARTS, CLUSTER, CONTAINERD, PREFLIGHT, type Check, type Plan, type Step } from './steps.js';

export const FILES_DIR = '/etc/ampere-images';
export const KUBEADM_CONFIG = `${FILES_DIR}/kubeadm-config.yaml`;
export const ADMIN_CONF = '/etc/kubernetes/admin.conf';

export interface PlanInput {
  lock: Lock;
  /** Stack components in stack order, their manifests already read. */
  components: ComponentInput[];
  access: MirrorAccess;
  /** Prefix for every /etc path written or read ("/" on a node; a folder for node images and tests). */
  root: string;
  /** Where the admin kubeconfig is copied; kubectl is pointed at it. */
  kubeconfig: string;
  kubeadm: KubeadmOptions;
  /** Remove the control-plane taint so that a single node runs workloads. */
  untaint: boolean;
  /** Apply components in the stack's order rather than in install order by kind. */
  stackOrder: boolean;
  timeouts: WaitTimeouts;
}

/** Upstream hosts the lock mirrors, each of which gets a hosts.toml. */
export function upstreamHosts(lock: Lock): string[] {
  const hosts = new Set(lock.images.map((e) => parseReference(e.source).registry));
  hosts.delete(lock.registry);
  return [...hosts].sort();
}

function preflight(input: PlanInput): Step[] {
  const check = (id: string, title: string, c: Check): Step =>
    ({ id: `${PREFLIGHT}:${id}`, component: PREFLIGHT, kind: 'check', title, check: c });
  const commands: [string, string[]][] = [
    ['kubeadm', ['kubeadm', 'version', '-o', 'short']],
    ['kubelet', ['kubelet', '--version']],
    ['containerd', ['containerd', '--version']],
    ['kubectl', ['kubectl', 'version', '--client']],
  ];
  return [
    ...commands.map(([name, argv]) => check(name, `${name} is installed`, { type: 'command', argv })),
    check('arch', 'report the machine architecture', { type: 'arch', argv: ['uname', '-m'] }),
    check('swap', 'swap is off', { type: 'swap', file: '/proc/swaps' }),
    check('mirror', `the mirror ${input.access.registry} answers`,
      { type: 'mirror', url: `${mirrorScheme(input.access)}://${input.access.registry}/v2/`, insecure: input.access.insecure }),
  ];
}

function containerd(input: PlanInput): Step[] {
  const { access, root } = input;
  const hostsFile = (host: string): string => join(root, CERTS_DIR, host, 'hosts.toml');
  const steps: Step[] = upstreamHosts(input.lock).map((host) => ({
    id: `${CONTAINERD}:hosts:${host}`, component: CONTAINERD, kind: 'write',
    title: `send ${host} pulls to the mirror`, path: hostsFile(host), content: upstreamHostsToml(host, access),
  }));
  const own = mirrorHostsToml(access);
  if (own !== undefined) {
    steps.push({ id: `${CONTAINERD}:hosts:${access.registry}`, component: CONTAINERD, kind: 'write',
      title: `reach the mirror ${access.registry} over ${access.plainHttp ? 'plain HTTP' : 'unverified HTTPS'}`, path: hostsFile(access.registry), content: own });
  }
  steps.push(
    // config_path names the folder as containerd sees it on the node, never under --root.
    { id: `${CONTAINERD}:config-path`, component: CONTAINERD, kind: 'containerd-config', title: `point containerd at ${CERTS_DIR}`,
      path: join(root, CONFIG_TOML), configPath: CERTS_DIR },
    { id: `${CONTAINERD}:restart`, component: CONTAINERD, kind: 'run', title: 'restart containerd to read config_path', argv: ['systemctl', 'restart', 'containerd'] },
  );
  return steps;
}

// Said where the plan is shown: without a version kubeadm asks the internet and pulls images
// the mirror may not hold.
const NO_VERSION = '; WARNING: no kube-apiserver in the lock and no --kubernetes-version: kubeadm will look the version up online';

function cluster(input: PlanInput, kubectl: string[]): Step[] {
  const settings = kubeadmSettings(input.lock, input.kubeadm);
  const configFile = join(input.root, KUBEADM_CONFIG);
  const steps: Step[] = [
    { id: `${CLUSTER}:kubeadm-config`, component: CLUSTER, kind: 'write', title: `kubeadm configuration (images from ${settings.imageRepository})${settings.kubernetesVersion === undefined ? NO_VERSION : ''}`,
      path: configFile, content: kubeadmConfigYaml(settings) },
    { id: `${CLUSTER}:kubelet`, component: CLUSTER, kind: 'run', title: 'enable the kubelet service', argv: ['systemctl', 'enable', '--now', 'kubelet'] },
    { id: `${CLUSTER}:init`, component: CLUSTER, kind: 'run', title: 'kubeadm init', argv: ['kubeadm', 'init', '--config', configFile] },
    { id: `${CLUSTER}:kubeconfig`, component: CLUSTER, kind: 'copy', title: `copy the admin kubeconfig to ${input.kubeconfig}`,
      from: join(input.root, ADMIN_CONF), to: input.kubeconfig, mode: 0o600 },
  ];
  if (input.untaint) {
    for (const taint of controlPlaneTaints(settings.kubernetesVersion)) {
      steps.push({ id: `${CLUSTER}:untaint:${taint}`, component: CLUSTER, kind: 'run', title: `let workloads run on the control-plane node (${taint})`,
        argv: [...kubectl, 'taint', 'nodes', '--all', `${taint}-`], tolerate: 'not found' });
    }
  }
  return steps;
}

export function buildPlan(input: PlanInput): Plan {
  for (const c of input.components) {
    if (BUILTIN_PARTS.includes(c.name)) throw new InputError(`stack component "${c.name}": the name is reserved for install's own steps (${BUILTIN_PARTS.join(', ')})`);
  }
  const kubectl = ['kubectl', '--kubeconfig', input.kubeconfig];
  const ctx = { kubectl, timeouts: input.timeouts, filesDir: join(input.root, FILES_DIR) };
  return {
    steps: [
      ...preflight(input),
      ...containerd(input),
      ...cluster(input, kubectl),
      ...(input.stackOrder ? input.components : installOrder(input.components)).flatMap((c) => componentSteps(c, ctx)),
    ],
  };
}

function checkNames(flag: string, names: string[], known: string[]): Set<string> {
  for (const n of names) {
    if (!known.includes(n)) throw new InputError(`${flag}: unknown component "${n}" (known: ${known.join(', ')})`);
  }
  return new Set(names);
}

/**
 * Keep the parts named by --only (all when empty) minus --skip. Preflight checks change nothing,
 * so they stay unless skipped by name.
 */
export function selectParts(plan: Plan, components: string[], only: string[], skip: string[]): Plan {
  const known = [...BUILTIN_PARTS, ...components];
  const keep = checkNames('--only', only, known);
  const drop = checkNames('--skip', skip, known);
  const wanted = (part: string): boolean => !drop.has(part) && (keep.size === 0 || keep.has(part) || part === PREFLIGHT);
  return { steps: plan.steps.filter((s) => wanted(s.component)) };
}
