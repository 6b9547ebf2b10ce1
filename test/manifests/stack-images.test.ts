/** The images of a stack catalog: its components' manifests plus what it declares. */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { discoverStack } from '../../src/manifests/stack-images.js';
import { loadStack } from '../../src/stack.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'manifests');
const dir = mkdtempSync(join(tmpdir(), 'ampere-stack-images-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('discoverStack', () => {
  cpSync(join(FIXTURES, 'list.yaml'), join(dir, 'manifests', 'list.yaml'));
  cpSync(join(FIXTURES, 'kustomize'), join(dir, 'manifests', 'kustomize'), { recursive: true });
  mkdirSync(join(dir, 'images'));
  writeFileSync(join(dir, 'images', 'stack.yaml'), [
    'root: ..',
    'components:',
    '  - name: shop',
    '    manifests: [manifests/list.yaml, manifests/kustomize/overlay]',
    '    build: yes',
    '    images:',
    '      - ref: busybox:1.36',
    '  - name: csi',
    '    manifests: []',
    '    build: unknown',
    '    images:',
    '      - ref: registry.k8s.io/sig-storage/csi-resizer:v1.10.0',
    '        runtime: true',
    '',
  ].join('\n'));

  it.each([
    ['an absolute stack path', join(dir, 'images', 'stack.yaml')],
    ['a stack path relative to the process', relative(process.cwd(), join(dir, 'images', 'stack.yaml'))],
  ])('locations are relative to cwd with %s', async (_name, file) => {
    const found = await discoverStack(await loadStack(file), dir);
    const where = (ref: string): string[] | undefined => found.images.find((i) => i.ref === ref)?.locations;
    expect(where('docker.io/library/busybox:1.36')).toEqual([
      'manifests/list.yaml: Pod probe items[1].spec.containers[0].image', 'images/stack.yaml: component shop',
    ]);
    expect(where('registry.k8s.io/sig-storage/csi-resizer:v1.10.0')).toEqual(['images/stack.yaml: component csi']);
    expect(where('docker.io/library/nginx:1.27')).toEqual(['manifests/kustomize/base/deployment.yaml: Deployment shop/app spec.template.spec.containers[1].image']);
    expect(found.images).toHaveLength(11);
    expect(found.invalid).toEqual([]);
  });
});
