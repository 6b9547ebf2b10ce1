/**
 * A report shaped like an audit of the original reference stack (shared/seed README table):
 * native multi-arch, alternate-only, amd64-only and not-inspected images across components.
 */
import { createHash } from 'node:crypto';
import type { SavedAudit } from '../../src/audit/diff.js';
import type { ImageReport } from '../../src/audit/inspect.js';
import { component, image } from './audit-builders.js';

const BOTH = ['linux/amd64', 'linux/arm64'];
const WIDE = ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/ppc64le', 'linux/s390x'];
const AMD64 = ['linux/amd64'];

function inspected(ref: string, components: string[], fields: Partial<ImageReport> = {}): ImageReport {
  const digest = `sha256:${createHash('sha256').update(ref).digest('hex')}`;
  return image(ref, { digest, components, ...fields });
}

export const SAMPLE_IMAGES: ImageReport[] = [
  inspected('quay.io/calico/node:v3.10.1', ['CNI-canal'], { platforms: AMD64, arm64Alternative: 'docker.io/calico/node:v3.10.1-arm64' }),
  inspected('quay.io/coreos/flannel:v0.11.0', ['CNI-canal'], { platforms: AMD64, arm64Alternative: 'quay.io/coreos/flannel:v0.11.0-arm64' }),
  inspected('k8s.gcr.io/metrics-server-amd64:v0.3.6', ['core-metrics'], { platforms: AMD64 }),
  inspected('docker.io/kubernetesui/dashboard:v2.0.0', ['dashboard'], { platforms: WIDE }),
  inspected('docker.io/kubernetesui/metrics-scraper:v1.0.4', ['dashboard'], { platforms: WIDE }),
  inspected('quay.io/fluentd_elasticsearch/fluentd:v2.5.2', ['EFK'], { platforms: AMD64, arm64Alternative: 'docker.io/carlosedp/fluentd:v2.5.2' }),
  inspected('docker.elastic.co/elasticsearch/elasticsearch:6.6.1', ['EFK'], { platforms: AMD64 }),
  inspected('docker.elastic.co/kibana/kibana:6.6.1', ['EFK'], { status: 'not-found', error: 'manifest unknown: tag 6.6.1 not found' }),
  inspected('docker.io/grafana/grafana:6.4.3', ['prometheus'], { platforms: BOTH }),
  inspected('quay.io/prometheus/prometheus:v2.11.0', ['prometheus'], { platforms: AMD64, mediaType: 'application/vnd.docker.distribution.manifest.v2+json' }),
  inspected('quay.io/coreos/kube-state-metrics:v1.8.0', ['prometheus'], { platforms: AMD64, arm64Alternative: 'docker.io/carlosedp/kube-state-metrics:v1.8.0' }),
  inspected('docker.io/rook/ceph:v1.1.7', ['rook'], { platforms: BOTH }),
  inspected('docker.io/ceph/ceph:v14.2.5', ['rook'], { platforms: BOTH }),
  inspected('docker.io/katadocker/kata-deploy:1.9.1', ['kata'], { platforms: AMD64 }),
  inspected('quay.io/kubernetes-ingress-controller/nginx-ingress-controller:0.26.1', ['ingress-nginx'], { platforms: WIDE }),
  inspected('docker.io/metallb/controller:v0.8.3', ['metallb'], { platforms: WIDE }),
  inspected('docker.io/metallb/speaker:v0.8.3', ['metallb'], { platforms: WIDE }),
];

const refsOf = (name: string): string[] => SAMPLE_IMAGES.filter((i) => i.components.includes(name)).map((i) => i.ref).sort();

export const SAMPLE_REPORT: SavedAudit = {
  images: SAMPLE_IMAGES,
  components: [
    component('CNI-canal', { images: refsOf('CNI-canal'), arm64: 'yes', multiArch: 'no' }),
    component('core-metrics', { images: refsOf('core-metrics'), arm64: 'no', multiArch: 'no' }),
    component('dashboard', { images: refsOf('dashboard'), arm64: 'yes', multiArch: 'yes' }),
    component('EFK', { images: refsOf('EFK'), arm64: 'partial', multiArch: 'no', build: 'unknown' }),
    component('prometheus', { images: refsOf('prometheus'), arm64: 'partial', multiArch: 'partial' }),
    component('rook', { images: refsOf('rook'), arm64: 'yes', multiArch: 'yes' }),
    component('kata', { images: refsOf('kata'), arm64: 'no', multiArch: 'no' }),
    component('gvisor', {
      images: [], arm64: 'no', multiArch: 'no',
      artifacts: [{ url: 'https://storage.googleapis.com/gvisor/releases/release/latest/{uname}/runsc', arches: { amd64: 'present', arm64: 'absent' } }],
    }),
    component('ingress-nginx', { images: refsOf('ingress-nginx'), arm64: 'yes', multiArch: 'yes' }),
    component('metallb', { images: refsOf('metallb'), arm64: 'yes', multiArch: 'yes', build: 'no' }),
  ],
};

export const SAMPLE_TIME = '2025-01-06T03:00:00Z';
