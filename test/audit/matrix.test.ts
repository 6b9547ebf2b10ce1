import { describe, expect, it } from 'vitest';
import type { ArtifactReport } from '../../src/audit/artifacts.js';
import type { ImageReport } from '../../src/audit/inspect.js';
import { buildMatrix } from '../../src/audit/matrix.js';
import type { Stack, StackComponent } from '../../src/stack-types.js';

const MULTI = ['linux/amd64', 'linux/arm64'];
function image(ref: string, components: string[], facts: Partial<ImageReport> = {}): ImageReport {
  const platforms = facts.platforms ?? ['linux/amd64'];
  return {
    ref, digest: 'sha256:x', mediaType: null, platforms, arm64: platforms.includes('linux/arm64'),
    multiArch: platforms.length > 1, arm64Alternative: null, status: 'ok', error: null, components, locations: [], ...facts,
  };
}
function component(name: string, extra: Partial<StackComponent> = {}): StackComponent {
  return { name, manifests: [], build: 'yes', images: [], artifacts: [], ...extra };
}
const stack = (...components: StackComponent[]): Stack => ({ file: 'stack.yaml', root: '.', components });

describe('buildMatrix', () => {
  it('one row per component, "all" for several images; alternates count as provided, not multi-arch', () => {
    const m = buildMatrix(stack(component('CNI-canal')), [
      image('docker.io/calico/node:v3.10.0', ['CNI-canal'], { platforms: MULTI }),
      image('quay.io/coreos/flannel:v0.11.0', ['CNI-canal'], { arm64Alternative: 'docker.io/x/flannel:1' }),
    ], new Map());
    expect(m.rows).toEqual([{
      component: 'CNI-canal', image: 'all', build: 'yes', provided: 'yes', multiArch: 'no (1/2)',
      platforms: ['linux/amd64', 'linux/arm64 (alternate)'],
      images: ['docker.io/calico/node:v3.10.0', 'quay.io/coreos/flannel:v0.11.0'],
    }]);
    expect(m.components).toEqual([{ name: 'CNI-canal', images: m.rows[0]!.images, arm64: 'yes', multiArch: 'partial', build: 'yes' }]);
  });

  it('splits rows by image group, with "(rest)" and per-row build', () => {
    const c = component('EFK', { images: [
      { ref: 'docker.io/fluent/fluentd:v1', row: 'fluentd' },
      { ref: 'docker.elastic.co/kibana/kibana:7.6.2', row: 'kibana', build: 'no' },
    ] });
    const m = buildMatrix(stack(c), [
      image('docker.io/fluent/fluentd:v1', ['EFK'], { platforms: MULTI }),
      image('docker.elastic.co/kibana/kibana:7.6.2', ['EFK']),
      image('docker.elastic.co/eck/eck-operator:1.1.2', ['EFK']),
      image('docker.elastic.co/elasticsearch/elasticsearch:7.6.2', ['EFK']),
    ], new Map());
    expect(m.rows.map((r) => [r.image, r.build, r.provided, r.multiArch])).toEqual([
      ['fluentd', 'yes', 'yes', 'yes'],
      ['kibana', 'no', 'no', 'no'],
      ['(rest)', 'yes', 'no', 'no'],
    ]);
    expect(m.components[0]).toMatchObject({ arm64: 'partial', multiArch: 'partial' });
  });

  it('names a lone image by its repository and says "unknown" when an unread image decides', () => {
    const m = buildMatrix(stack(component('kata'), component('x')), [
      image('docker.io/katadocker/kata-deploy:1.9.1', ['kata']),
      image('docker.io/a/ok:1', ['x'], { platforms: MULTI }),
      image('docker.io/a/gone:1', ['x'], { status: 'not-found', error: 'HTTP 404', platforms: [], arm64: false, multiArch: false }),
    ], new Map());
    expect(m.rows.map((r) => [r.component, r.image, r.provided, r.multiArch, r.platforms])).toEqual([
      ['kata', 'kata-deploy', 'no', 'no', ['linux/amd64']],
      ['x', 'all', 'unknown', 'unknown', MULTI],
    ]);
  });

  it('reports release files per arch: "no release bins" when arm64 is missing', () => {
    const absent: ArtifactReport = { url: 'https://x/{uname}/runsc', arches: { amd64: 'present', arm64: 'absent' } };
    const present: ArtifactReport = { url: 'https://x/{uname}/runsc', arches: { amd64: 'present', arm64: 'present' } };
    const rowOf = (a: ArtifactReport) => buildMatrix(stack(component('gvisor', { artifacts: [{ url: a.url }] })), [], new Map([['gvisor', [a]]]));
    expect(rowOf(absent).rows[0]).toMatchObject({ image: 'n/a', provided: 'no release bins', multiArch: 'no', platforms: ['linux/amd64'] });
    expect(rowOf(absent).components[0]).toMatchObject({ arm64: 'no', artifacts: [absent] });
    expect(rowOf(present).rows[0]).toMatchObject({ provided: 'yes', platforms: MULTI });
  });

  it('gives images no component claims a row each, sorted', () => {
    const m = buildMatrix(undefined, [image('quay.io/b/z:1', []), image('docker.io/library/nginx:1', [], { platforms: MULTI })], new Map());
    expect(m.components).toEqual([]);
    expect(m.rows.map((r) => [r.component, r.image, r.build, r.provided, r.multiArch])).toEqual([
      ['nginx:1', 'nginx', 'unknown', 'yes', 'yes'],
      ['quay.io/b/z:1', 'z', 'unknown', 'no', 'no'],
    ]);
  });
});
