import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { parseResources, readUnit } from '../../src/install/resources.js';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'install', 'project', 'manifests');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ampere-resources-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('reading what manifests create', () => {
  it('opens List items, skips empty documents and non-objects', () => {
    const text = [
      'apiVersion: v1', 'kind: List', 'items:',
      '  - {apiVersion: apps/v1, kind: Deployment, metadata: {name: a, namespace: x}}',
      '  - {apiVersion: v1, kind: Service, metadata: {name: a}}',
      '---', '---', '"just a string"', '---',
      'apiVersion: apiextensions.k8s.io/v1', 'kind: CustomResourceDefinition', 'metadata: {name: ps.g.io}', 'spec: {group: g.io}',
    ].join('\n');
    expect(parseResources(text, 'x.yaml')).toEqual([
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'a', namespace: 'x' },
      { apiVersion: 'v1', kind: 'Service', name: 'a' },
      { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'ps.g.io', group: 'g.io' },
    ]);
  });

  it('names the file and line of broken YAML', () => {
    expect(() => parseResources('a: 1\nb: [\n', 'm/bad.yaml')).toThrow(InputError);
    expect(() => parseResources('kind: A\n  - x: : :\n', 'm/bad.yaml')).toThrow(/^m\/bad\.yaml:\d+: invalid YAML/);
  });

  it('follows a kustomization and applies its namespace to namespaced kinds only', async () => {
    const unit = await readUnit(join(FIXTURE, 'metrics-server'));
    expect(unit.kustomize).toBe(true);
    expect(unit.files.flatMap((f) => f.resources)).toEqual([
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'metrics-server', namespace: 'kube-system' },
      { apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', name: 'v1beta1.metrics.k8s.io' },
    ]);
  });

  it('reads a folder recursively in name order, and a single file', async () => {
    const efk = await readUnit(join(FIXTURE, 'efk'));
    expect(efk.kustomize).toBe(false);
    expect(efk.files.map((f) => f.path.slice(FIXTURE.length + 1))).toEqual(['efk/1-eck-crds.yaml', 'efk/2-eck-operator.yaml', 'efk/3-elasticsearch-kibana.yaml', 'efk/4-fluent-bit.yaml']);
    const one = await readUnit(join(FIXTURE, 'dashboard.yaml'));
    expect(one.files).toHaveLength(1);
    expect(one.files[0]?.resources.map((r) => r.kind)).toEqual(['Namespace', 'Deployment']);
  });

  it('says which kustomization names a missing resource, and which path is missing', async () => {
    mkdirSync(join(dir, 'k'));
    writeFileSync(join(dir, 'k', 'kustomization.yaml'), 'resources: [gone.yaml]\n');
    await expect(readUnit(join(dir, 'k'))).rejects.toThrow(/k\/kustomization\.yaml: resources: no such file or directory "gone\.yaml"/);
    await expect(readUnit(join(dir, 'nothing-here'))).rejects.toThrow(/nothing-here: no such file or directory/);
  });
});
