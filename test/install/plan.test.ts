import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMEOUTS } from '../../src/install/components.js';
import { buildPlan, type PlanInput } from '../../src/install/plan.js';
import type { Lock } from '../../src/lock.js';

const digest = `sha256:${'a'.repeat(64)}`;
const lockOf = (sources: string[]): Lock => ({
  registry: '127.0.0.1:5000',
  images: sources.map((source) => ({ source, sourceDigest: digest, target: `127.0.0.1:5000/${source}`, digest, platforms: {} })),
});
const input = (lock: Lock, kubernetesVersion?: string): PlanInput => ({
  lock, components: [], access: { registry: lock.registry, plainHttp: true, insecure: false },
  root: '/', kubeconfig: '/root/.kube/config', kubeadm: kubernetesVersion ? { kubernetesVersion } : {},
  untaint: true, stackOrder: false, timeouts: DEFAULT_TIMEOUTS,
});
const configTitle = (i: PlanInput): string => buildPlan(i).steps.find((s) => s.id.endsWith(':kubeadm-config'))?.title ?? '';

describe('install plan: the kubeadm version', () => {
  it('warns in the plan when neither the lock nor a flag gives the Kubernetes version', () => {
    expect(configTitle(input(lockOf(['docker.io/library/busybox:1.36'])))).toContain('WARNING: no kube-apiserver in the lock');
  });

  it.each([
    ['the lock', input(lockOf(['registry.k8s.io/kube-apiserver:v1.34.1']))],
    ['--kubernetes-version', input(lockOf([]), 'v1.34.1')],
  ])('does not warn when %s gives it', (_what, i) => {
    expect(configTitle(i)).toBe('kubeadm configuration (images from 127.0.0.1:5000/registry.k8s.io)');
  });
});
