/**
 * The steps that install one stack component: apply its manifests in a safe order and wait for
 * what its kind needs (reference-stack-facts.md: nodes Ready after the CNI, an OSD and a bound PVC
 * for rook, CRDs established before custom resources, Kibana green before fluent-bit). Pure.
 */
import { join } from 'node:path';
import { stringify } from 'yaml';
import { combinedDigest, type ManifestFile, type ManifestUnit, type Resource } from './resources.js';
import type { Step, WaitStep } from './steps.js';

export type ComponentKind =
  | 'cluster' | 'cni' | 'metrics' | 'storage' | 'monitoring' | 'dashboard' | 'ingress' | 'logging' | 'load-balancer' | 'other';

export interface ComponentInput {
  name: string;
  /** The stack's `install:` name, when it gives one. */
  install?: string;
  units: ManifestUnit[];
}

/** Seconds each kind of wait may take before install gives up. */
export interface WaitTimeouts {
  nodes: number;
  rollout: number;
  crds: number;
  apiservice: number;
  osd: number;
  pvc: number;
  health: number;
}

export const DEFAULT_TIMEOUTS: WaitTimeouts = { nodes: 600, rollout: 600, crds: 120, apiservice: 300, osd: 1800, pvc: 600, health: 1200 };

export interface ComponentContext {
  /** ["kubectl", "--kubeconfig", "/root/.kube/config"] */
  kubectl: string[];
  timeouts: WaitTimeouts;
  /** Where generated manifests go ("/etc/ampere-images" under --root). */
  filesDir: string;
}

const KIND_WORDS: [ComponentKind, RegExp][] = [
  ['cluster', /kubeadm|control-?plane|^(kubernetes|cluster)$/],
  ['cni', /cni|canal|calico|flannel|cilium|weave/],
  ['metrics', /metrics-server|^metrics/],
  ['storage', /rook|ceph|storage/],
  ['monitoring', /prometheus|monitoring|grafana/],
  ['dashboard', /dashboard/],
  ['ingress', /ingress/],
  ['logging', /efk|elastic|\beck\b|kibana|fluent|logging/],
  ['load-balancer', /metallb|load-?balancer/],
];

const kinds = (c: ComponentInput): Resource[] => c.units.flatMap((u) => u.files.flatMap((f) => f.resources));

/** The kind decides the extra waits; it comes from the install name or name, else from what the manifests create. */
export function componentKind(c: ComponentInput): ComponentKind {
  for (const label of [c.install, c.name]) {
    const found = KIND_WORDS.find(([, re]) => label !== undefined && re.test(label.toLowerCase()));
    if (found) return found[0];
  }
  const all = kinds(c);
  if (all.some((r) => r.kind === 'CephCluster')) return 'storage';
  if (all.some((r) => r.kind === 'Kibana' || r.kind === 'Elasticsearch')) return 'logging';
  return 'other';
}

/** The reference stack's install order (reference-stack-facts.md): storage before what claims volumes, and so on. */
export const INSTALL_ORDER: readonly ComponentKind[] = [
  'cluster', 'cni', 'metrics', 'storage', 'monitoring', 'dashboard', 'ingress', 'logging', 'load-balancer', 'other',
];

/** Components sorted by kind in install order; the stack's order among the same kind (a stable sort). */
export function installOrder(components: ComponentInput[]): ComponentInput[] {
  const rank = (c: ComponentInput): number => INSTALL_ORDER.indexOf(componentKind(c));
  return [...components].sort((a, b) => rank(a) - rank(b));
}

type Phase = 'crds' | 'base' | 'custom' | 'late';
const WORKLOADS = new Set(['Deployment', 'DaemonSet', 'StatefulSet']);
const groupOf = (apiVersion: string): string => (apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '');

/** The log shipper, which starts only once Elasticsearch and Kibana are green. */
const isShipper = (r: Resource): boolean => r.kind === 'DaemonSet' && /fluent/.test(r.name);

function filePhase(f: ManifestFile, crdGroups: Set<string>, deferFluent: boolean): Phase {
  if (f.resources.some((r) => r.kind === 'CustomResourceDefinition')) return 'crds';
  if (f.resources.some((r) => crdGroups.has(groupOf(r.apiVersion)))) return 'custom';
  if (deferFluent && f.resources.some(isShipper)) return 'late';
  return 'base';
}

interface Builder {
  c: ComponentInput;
  ctx: ComponentContext;
  steps: Step[];
}

const attempt = (timeout: number): string => `--timeout=${Math.min(timeout, 60)}s`;

function wait(b: Builder, id: string, title: string, args: string[], timeout: number, failure: string): void {
  // The same workload listed twice is waited for once: step ids must stay unique.
  if (b.steps.some((s) => s.id === `${b.c.name}:${id}`)) return;
  const step: WaitStep = {
    id: `${b.c.name}:${id}`, component: b.c.name, kind: 'wait', title,
    argv: [...b.ctx.kubectl, ...args, attempt(timeout)], timeoutSeconds: timeout, failure: `${b.c.name}: ${failure}`,
  };
  b.steps.push(step);
}

function run(b: Builder, id: string, title: string, args: string[], contentDigest?: string): void {
  b.steps.push({
    id: `${b.c.name}:${id}`, component: b.c.name, kind: 'run', title, argv: [...b.ctx.kubectl, ...args],
    ...(contentDigest === undefined ? {} : { contentDigest }),
  });
}

function applyTarget(unit: ManifestUnit, files: ManifestFile[]): string[] {
  if (unit.kustomize) return ['-k', unit.path];
  if (files.length < unit.files.length) return files.flatMap((f) => ['-f', f.path]);
  return unit.files.length === 1 && unit.files[0]?.path === unit.path ? ['-f', unit.path] : ['-R', '-f', unit.path];
}

/** One apply per unit and phase: the whole unit when it all belongs to the phase, else its files. */
function applyPhase(b: Builder, phase: Phase, crdGroups: Set<string>, deferFluent: boolean): Resource[] {
  const applied: Resource[] = [];
  b.c.units.forEach((unit, i) => {
    const phases = unit.files.map((f) => filePhase(f, crdGroups, deferFluent));
    // A kustomization is applied whole: with its CRDs when it has any, else with the base.
    const unitPhase: Phase | undefined = unit.kustomize ? (phases.includes('crds') ? 'crds' : 'base') : undefined;
    const files = unit.files.filter((_, j) => (unitPhase ?? phases[j]) === phase);
    if (files.length === 0) return;
    const whole = files.length === unit.files.length;
    const what = whole || files.length > 2 ? `${unit.path}${whole ? '' : ` (${files.length} of ${unit.files.length} files)`}` : files.map((f) => f.path).join(' and ');
    run(b, `apply:${phase}:${i}`, `apply ${phase === 'crds' ? 'the CRDs of ' : ''}${what}`,
      ['apply', '--server-side', '--force-conflicts', ...applyTarget(unit, files)], whole ? unit.digest : combinedDigest(files.map((f) => f.digest)));
    applied.push(...files.flatMap((f) => f.resources));
  });
  return applied;
}

function rollouts(b: Builder, resources: Resource[]): void {
  for (const r of resources.filter((x) => WORKLOADS.has(x.kind))) {
    const ns = r.namespace ?? 'default';
    const ref = `${r.kind.toLowerCase()}/${r.name}`;
    wait(b, `rollout:${ref}:${ns}`, `wait for ${r.kind} ${ns}/${r.name} to roll out`, ['rollout', 'status', ref, '-n', ns],
      b.ctx.timeouts.rollout, `${r.kind} ${ns}/${r.name} did not finish rolling out`);
  }
  for (const r of resources.filter((x) => x.kind === 'APIService')) {
    wait(b, `apiservice:${r.name}`, `wait for APIService ${r.name} to be Available`, ['wait', '--for=condition=Available', `apiservice/${r.name}`],
      b.ctx.timeouts.apiservice, `APIService ${r.name} did not become Available`);
  }
}

function storageChecks(b: Builder, resources: Resource[]): void {
  const t = b.ctx.timeouts;
  for (const cluster of resources.filter((r) => r.kind === 'CephCluster')) {
    const ns = cluster.namespace ?? 'rook-ceph';
    wait(b, `osd:${ns}`, `wait for a Ceph OSD pod Running in ${ns}`,
      ['wait', '--for=jsonpath={.status.phase}=Running', 'pod', '-l', 'app=rook-ceph-osd', '-n', ns], t.osd,
      `no rook-ceph-osd pod became Running in namespace ${ns}`);
  }
  const classes = kinds(b.c).filter((r) => r.kind === 'StorageClass');
  const sc = classes.find((r) => r.name === 'rook-ceph-block') ?? classes[0];
  if (!sc) return;
  run(b, `default-class:${sc.name}`, `make ${sc.name} the default StorageClass`,
    ['patch', 'storageclass', sc.name, '-p', JSON.stringify({ metadata: { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } })]);
  const pvcName = 'ampere-images-storage-check';
  const pvcFile = join(b.ctx.filesDir, 'storage-check-pvc.yaml');
  const pvc = {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: pvcName, namespace: 'default' },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: sc.name, resources: { requests: { storage: '1Gi' } } },
  };
  b.steps.push({ id: `${b.c.name}:pvc-file`, component: b.c.name, kind: 'write', title: 'write a test PersistentVolumeClaim', path: pvcFile, content: stringify(pvc) });
  run(b, 'pvc-apply', `create the test PVC ${pvcName}`, ['apply', '-f', pvcFile]);
  wait(b, 'pvc-bound', `wait for the test PVC ${pvcName} to be Bound`, ['wait', '--for=jsonpath={.status.phase}=Bound', `pvc/${pvcName}`, '-n', 'default'],
    t.pvc, `the test PVC default/${pvcName} of StorageClass ${sc.name} was not Bound`);
  run(b, 'pvc-delete', `delete the test PVC ${pvcName}`, ['delete', '-f', pvcFile, '--wait=false']);
}

function healthChecks(b: Builder, resources: Resource[]): void {
  for (const kind of ['Elasticsearch', 'Kibana']) {
    for (const r of resources.filter((x) => x.kind === kind)) {
      const ns = r.namespace ?? 'default';
      wait(b, `health:${kind.toLowerCase()}/${r.name}:${ns}`, `wait for ${kind} ${ns}/${r.name} health green`,
        ['wait', '--for=jsonpath={.status.health}=green', `${kind.toLowerCase()}/${r.name}`, '-n', ns], b.ctx.timeouts.health,
        `${kind} ${ns}/${r.name} did not report health green`);
    }
  }
}

/** CRDs (established) -> base resources (rolled out) -> custom resources (kind checks) -> late ones. */
export function componentSteps(c: ComponentInput, ctx: ComponentContext): Step[] {
  const kind = componentKind(c);
  if (kind === 'cluster') return [];
  const b: Builder = { c, ctx, steps: [] };
  const all = kinds(c);
  const crdGroups = new Set(all.flatMap((r) => (r.group ? [r.group] : [])));
  const deferFluent = kind === 'logging' && all.some((r) => r.kind === 'Kibana' || r.kind === 'Elasticsearch');
  const crds = applyPhase(b, 'crds', crdGroups, deferFluent);
  if (crds.length > 0) {
    wait(b, 'crds-established', 'wait for the CRDs to be Established', ['wait', '--for', 'condition=Established', 'crd', '--all'],
      ctx.timeouts.crds, 'CustomResourceDefinitions did not become Established');
  }
  const base = applyPhase(b, 'base', crdGroups, deferFluent);
  if (kind === 'cni') {
    wait(b, 'nodes-ready', 'wait until every node is Ready', ['wait', '--for=condition=Ready', 'nodes', '--all'],
      ctx.timeouts.nodes, 'nodes did not become Ready after the CNI was applied');
  }
  rollouts(b, [...crds, ...base]);
  const custom = applyPhase(b, 'custom', crdGroups, deferFluent);
  rollouts(b, custom);
  if (kind === 'storage') storageChecks(b, all);
  // Health of what is applied so far: a file holding Kibana beside the shipper is applied late,
  // whole, and then its operator rolls out, its health turns green, and only then the shipper.
  healthChecks(b, [...crds, ...base, ...custom]);
  const late = applyPhase(b, 'late', crdGroups, deferFluent);
  rollouts(b, late.filter((r) => !isShipper(r)));
  healthChecks(b, late);
  rollouts(b, late.filter(isShipper));
  return b.steps;
}
