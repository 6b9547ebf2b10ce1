/**
 * `ampere-images images` and `ampere-images rewrite` as users run them: the built binary
 * (npm run build) in temporary folders; exit codes, stdout, stderr and the files written.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeLock } from '../../src/lock.js';
import { runCli } from '../report/cli.js';
import { MIRROR, lockFor } from './lock-for.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'manifests');
const work = mkdtempSync(join(tmpdir(), 'ampere-manifests-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let n = 0;

function project(files: string[]): string {
  const dir = join(work, `p${++n}`);
  mkdirSync(dir);
  for (const f of files) cpSync(join(FIXTURES, f), join(dir, 'manifests', f), { recursive: true });
  return dir;
}

const oneLine = (text: string): void => {
  expect(text.trim().split('\n')).toHaveLength(1);
  expect(text).not.toMatch(/^\s+at /m);
};

describe('images', () => {
  it('--json follows the contract: ref, written, locations; invalid with value, location, error', async () => {
    const dir = project(['workloads.yaml', 'invalid.yaml']);
    const r = await runCli(['images', '--manifests', 'manifests', '--json'], dir);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { images: { ref: string; written: string; locations: string[] }[]; invalid: unknown[] };
    expect(Object.keys(out)).toEqual(['images', 'invalid']);
    expect(out.images).toContainEqual({
      ref: 'docker.io/library/busybox:1.36', written: 'busybox:1.36', locations: ['manifests/workloads.yaml: Pod shop/debug spec.initContainers[0].image'],
    });
    expect(out.invalid).toContainEqual({ value: 'Team/App:1', location: 'manifests/invalid.yaml: Pod broken spec.containers[0].image', error: 'repository name must be lowercase' });
  });

  it('prints a table of references and locations, and the invalid values', async () => {
    const dir = project(['list.yaml', 'invalid.yaml']);
    const r = await runCli(['images', '--manifests', 'manifests/list.yaml', 'manifests/invalid.yaml'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('quay.io/example/api:3.2');
    expect(r.stdout).toContain('manifests/list.yaml: Deployment shop/api items[0].spec.template.spec.containers[0].image');
    expect(r.stdout).toContain('repository name must be lowercase');
    expect(r.stderr).toContain('3 image(s), 4 invalid');
  });

  it('reads images/stack.yaml by default: manifests plus declared run-time images', async () => {
    const dir = project(['configmap.yaml']);
    mkdirSync(join(dir, 'images'));
    writeFileSync(join(dir, 'images', 'stack.yaml'), [
      'root: ..', 'components:', '  - name: rook', '    manifests: [manifests/configmap.yaml]', '    build: yes',
      '    images:', '      - ref: quay.io/cephcsi/cephcsi:v3.10.2', '      - ref: registry.k8s.io/sig-storage/csi-resizer:v1.10.0', '        runtime: true', '',
    ].join('\n'));
    const r = await runCli(['images', '--json'], dir);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { images: { ref: string; locations: string[] }[] };
    expect(out.images.find((i) => i.ref === 'registry.k8s.io/sig-storage/csi-resizer:v1.10.0')?.locations).toEqual(['images/stack.yaml: component rook']);
    expect(out.images.find((i) => i.ref === 'quay.io/cephcsi/cephcsi:v3.10.2')?.locations).toEqual([
      'manifests/configmap.yaml: ConfigMap rook-ceph/rook-ceph-operator-config data.plugin', 'images/stack.yaml: component rook',
    ]);
  });

  it('lists an image used in 300 documents of one file, every location, in seconds', async () => {
    // A multi-line table cell costs cli-table3 cubic time: 100 locations in one cell took 40 s.
    const dir = project([]);
    const pod = (i: number): string => `apiVersion: v1\nkind: Pod\nmetadata: {name: p${i}}\nspec:\n  containers: [{name: a, image: busybox:1.36}]\n`;
    mkdirSync(join(dir, 'manifests'));
    writeFileSync(join(dir, 'manifests', 'bundle.yaml'), Array.from({ length: 300 }, (_, i) => pod(i)).join('---\n'));
    const started = Date.now();
    const r = await runCli(['images', '--manifests', 'manifests'], dir);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^│ docker\.io\/library\/busybox:1\.36 /gm)).toHaveLength(1);
    for (const i of [0, 150, 299]) expect(r.stdout).toContain(`manifests/bundle.yaml: Pod p${i} spec.containers[0].image`);
  }, 120_000);

  it.each([
    [['images', '--manifests', 'nope'], 'error: nope: no such file or directory'],
    [['images'], 'error: nothing to scan: give --stack or --manifests (images/stack.yaml not found)'],
    [['images', '--stack', 'missing.yaml'], 'error: missing.yaml: cannot read stack file (ENOENT)'],
  ])('%j exits 2 with one line', async (args, message) => {
    const r = await runCli(args, project([]));
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(message);
    oneLine(r.stderr);
  });
});

describe('rewrite', () => {
  async function withLock(files: string[], drop: string[] = []): Promise<string> {
    const dir = project(files);
    const r = await runCli(['images', '--manifests', 'manifests', '--json'], dir);
    const refs = (JSON.parse(r.stdout) as { images: { ref: string }[] }).images.map((i) => i.ref);
    await writeLock(join(dir, 'mirror.lock.json'), lockFor(refs.filter((ref) => !drop.includes(ref))));
    return dir;
  }

  it('rewrites into --out, prints a summary, exit 0', async () => {
    const dir = await withLock(['workloads.yaml', 'env-args.yaml']);
    const r = await runCli(['rewrite', '--manifests', 'manifests', '--out', 'out'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('2 file(s) changed, 19 reference(s) rewritten (19 in files), 0 missing');
    expect(readFileSync(join(dir, 'out', 'workloads.yaml'), 'utf8')).toContain(`image: ${MIRROR}/docker.io/library/busybox:1.36\n`);
  });

  it('--json reports changed files, rewritten references and missing ones; missing exits 1', async () => {
    const dir = await withLock(['list.yaml'], ['quay.io/example/api:3.2']);
    const r = await runCli(['rewrite', '--lock', 'mirror.lock.json', '--manifests', 'manifests', '--out', 'out', '--json'], dir);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { changed: string[]; rewritten: { to: string }[]; missing: { ref: string }[] };
    expect(out.changed).toEqual(['out/list.yaml']);
    expect(out.rewritten.map((x) => x.to)).toEqual([`${MIRROR}/docker.io/library/busybox:1.36`]);
    expect(out.missing.map((m) => m.ref)).toEqual(['quay.io/example/api:3.2']);
    expect(r.stderr.trim()).toBe('1 image(s) have no entry in mirror.lock.json; they still point upstream (--allow-missing accepts that)');
    const allowed = await runCli(['rewrite', '--manifests', 'manifests', '--out', 'out', '--allow-missing', '--quiet'], dir);
    expect(allowed.code).toBe(0);
  });

  it('a file that does not parse: exit 2 naming file and line, nothing written', async () => {
    const dir = await withLock(['list.yaml', 'helm-template.yaml']);
    const r = await runCli(['rewrite', '--manifests', 'manifests', '--out', 'out'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('error: manifests/helm-template.yaml:11: invalid YAML: Implicit keys need to be on a single line');
    oneLine(r.stderr);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it.each([
    [['rewrite', '--manifests', 'manifests'], 'error: --out is required (or --in-place to change the manifests themselves)'],
    [['rewrite', '--manifests', 'manifests', '--in-place', '--out', 'out'], 'error: --out out and --in-place: choose one'],
    [['rewrite', '--out', 'out'], 'error: --manifests is required'],
    [['rewrite', '--manifests', 'manifests', '--out', 'o', '--lock', 'none.json'], 'error: none.json: cannot read lock file (ENOENT)'],
  ])('%j exits 2 with one line', async (args, message) => {
    const dir = await withLock(['list.yaml']);
    const r = await runCli(args, dir);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(message);
    oneLine(r.stderr);
  });
});
