/**
 * `rewrite` on copies of the fixtures: only the lines holding references change, comments and
 * everything else stay byte for byte, a second run gives the same bytes, kustomize output renders
 * (with the real `kubectl kustomize`) to mirror references only.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { writeLock } from '../../src/lock.js';
import { discoverImages } from '../../src/manifests/discover.js';
import { rewriteManifests, type RewriteOptions } from '../../src/manifests/rewrite-tree.js';
import { MIRROR, lockFor } from './lock-for.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'manifests');
const PLAIN = ['workloads.yaml', 'list.yaml', 'crds.yaml', 'operator-legacy.yaml', 'env-args.yaml', 'configmap.yaml', 'invalid.yaml', 'pod.json'];

const work = mkdtempSync(join(tmpdir(), 'ampere-rewrite-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let n = 0;

/** A fresh folder holding copies of `files` (paths relative to the fixtures) and a lock for all their references. */
async function setup(files: string[], drop: string[] = []): Promise<{ dir: string; opts: RewriteOptions }> {
  const dir = join(work, `case${++n}`);
  for (const f of files) cpSync(join(FIXTURES, f), join(dir, 'src', f), { recursive: true });
  const found = await discoverImages(['src'], { cwd: dir });
  await writeLock(join(dir, 'lock.json'), lockFor(found.images.map((i) => i.ref).filter((r) => !drop.includes(r))));
  return { dir, opts: { lock: 'lock.json', manifests: 'src', out: 'out', cwd: dir } };
}

function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.set(relative(dir, join(d, e.name)), readFileSync(join(d, e.name), 'utf8'));
    }
  };
  walk(dir);
  return out;
}

/** Lines that differ; both texts must have the same number of lines. */
function changedLines(before: string, after: string): [string, string][] {
  const a = before.split('\n');
  const b = after.split('\n');
  expect(b.length).toBe(a.length);
  return a.flatMap((line, i) => (line === b[i] ? [] : [[line, b[i]!] as [string, string]]));
}

describe('rewrite: files', () => {
  it('changes only the reference lines, keeps comments, and finds only mirror references afterwards', async () => {
    const { dir, opts } = await setup(PLAIN);
    const report = await rewriteManifests(opts);
    const src = files(join(dir, 'src'));
    const out = files(join(dir, 'out'));
    expect([...out.keys()].sort()).toEqual([...src.keys()].sort());
    // Putting each original back where its target is gives the line as it was (baseImage and
    // sha hold parts of a reference: checked in the next test).
    const back = report.rewritten.map((r) => [r.to, r.from] as const).sort(([a], [b]) => b.length - a.length);
    for (const [name, text] of src) {
      for (const [before, after] of changedLines(text, out.get(name)!)) {
        if (/^\s*(baseImage|sha): /.test(after)) continue;
        expect(back.reduce((line, [to, from]) => line.split(to).join(from), after)).toBe(before);
      }
      for (const comment of text.split('\n').filter((l) => l.trim().startsWith('#'))) expect(out.get(name)).toContain(comment);
    }
    const after = await discoverImages(['out'], { cwd: dir });
    expect(after.images.filter((i) => !i.ref.startsWith(`${MIRROR}/`))).toEqual([]);
    expect(report.missing).toEqual([]);
    expect(report.changed.sort()).toEqual(PLAIN.map((f) => `out/${f}`).sort());
    expect(report.invalid.map((i) => i.location)).toContain('src/operator-legacy.yaml: Prometheus monitoring/no-version spec.baseImage');
  });

  it('writes flags, env, ConfigMap data, CRD fields and baseImage in a form the resource still reads', async () => {
    const { dir, opts } = await setup(['env-args.yaml', 'operator-legacy.yaml', 'configmap.yaml']);
    await rewriteManifests(opts);
    const env = readFileSync(join(dir, 'out', 'env-args.yaml'), 'utf8');
    expect(env).toContain('- --prometheus-config-reloader=127.0.0.1:5000/quay.io/prometheus-operator/prometheus-config-reloader:v0.70.0\n');
    expect(env).toContain('- --config-reloader-image=127.0.0.1:5000/docker.io/jimmidyson/configmap-reload:v0.5.0\n');
    expect(env).toContain('            - --sidecar-image\n            - 127.0.0.1:5000/docker.io/library/busybox:1.36.1\n');
    expect(env).toContain('              value: "127.0.0.1:5000/quay.io/cephcsi/cephcsi:v3.10.2"\n');
    expect(env).toContain('            - quay.io/thanos/thanos\n');
    const legacy = readFileSync(join(dir, 'out', 'operator-legacy.yaml'), 'utf8');
    expect(legacy).toContain('  baseImage: 127.0.0.1:5000/quay.io/prometheus/prometheus\n  version: v2.11.0\n');
    expect(legacy).toContain('    baseImage: 127.0.0.1:5000/quay.io/thanos/thanos\n    version: v0.7.0\n');
    expect(legacy).toContain('  baseImage: 127.0.0.1:5000/quay.io/prometheus/alertmanager\n  version: v0.18.0\n  tag: v0.18.0-custom\n');
    const cm = readFileSync(join(dir, 'out', 'configmap.yaml'), 'utf8');
    expect(cm).toContain('  ROOK_CSI_ATTACHER_IMAGE: "127.0.0.1:5000/registry.k8s.io/sig-storage/csi-attacher:v4.5.0"\n');
    expect(cm).toContain('  # ROOK_CSI_SNAPSHOTTER_IMAGE: "registry.k8s.io/sig-storage/csi-snapshotter:v7.0.1"\n');
  });

  it('gives the same bytes when run twice, and in place changes nothing the second time', async () => {
    const { dir, opts } = await setup(PLAIN);
    await rewriteManifests(opts);
    const first = files(join(dir, 'out'));
    await rewriteManifests(opts);
    expect(files(join(dir, 'out'))).toEqual(first);
    await rewriteManifests({ ...opts, out: undefined, inPlace: true });
    expect(files(join(dir, 'src'))).toEqual(first);
    const again = await rewriteManifests({ ...opts, out: undefined, inPlace: true });
    expect(again.rewritten).toEqual([]);
    expect(again.missing).toEqual([]);
    expect(files(join(dir, 'src'))).toEqual(first);
  });

  it('--pin appends the mirrored digest; a pinned source gets the mirror digest, not its own', async () => {
    const { dir, opts } = await setup(['workloads.yaml', 'operator-legacy.yaml']);
    const lock = JSON.parse(readFileSync(join(dir, 'lock.json'), 'utf8')) as { images: { source: string; digest: string }[] };
    const digestOf = (source: string): string => lock.images.find((e) => e.source === source)!.digest;
    const report = await rewriteManifests({ ...opts, pin: true });
    const text = readFileSync(join(dir, 'out', 'workloads.yaml'), 'utf8');
    expect(text).toContain(`image: 127.0.0.1:5000/docker.io/library/busybox:1.36@${digestOf('docker.io/library/busybox:1.36')}\n`);
    const web = 'quay.io/example/web:1.0@sha256:9bba603b99bf25f6d117cf1235b6598c16033ad027b143c90fa5b3cc583c5713';
    expect(text).toContain(`image: '127.0.0.1:5000/quay.io/example/web:1.0@${digestOf(web)}'\n`);
    for (const r of report.rewritten) expect(r.to).toMatch(/@sha256:[a-f0-9]{64}$/);
    // spec.sha exists in one Alertmanager: it takes the digest; the others have no field for it.
    const legacy = readFileSync(join(dir, 'out', 'operator-legacy.yaml'), 'utf8');
    const pinned = 'quay.io/prometheus/alertmanager@sha256:9bba603b99bf25f6d117cf1235b6598c16033ad027b143c90fa5b3cc583c5713';
    expect(legacy).toContain(`  sha: ${digestOf(pinned).slice('sha256:'.length)}\n`);
    expect(report.notes.some((l) => l.includes('Prometheus monitoring/old spec.baseImage') && l.includes('no spec.sha field'))).toBe(true);
  });

  it('lists references without a lock entry and leaves them', async () => {
    const { dir, opts } = await setup(['workloads.yaml'], ['docker.io/library/postgres:16.2']);
    const report = await rewriteManifests(opts);
    expect(report.missing).toEqual([{ ref: 'docker.io/library/postgres:16.2', locations: ['src/workloads.yaml: StatefulSet data/db spec.template.spec.containers[0].image'] }]);
    expect(readFileSync(join(dir, 'out', 'workloads.yaml'), 'utf8')).toContain('          image: postgres:16.2\n');
  });

  it('writes nothing when a file does not parse, naming file and line', async () => {
    const { dir, opts } = await setup(['workloads.yaml', 'helm-template.yaml']);
    await expect(rewriteManifests(opts)).rejects.toThrow('src/helm-template.yaml:11: invalid YAML');
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('a base under two overlays that want different tags: both found, the first rewrite kept, a note', async () => {
    const { dir } = await setup(['kustomize/base']);
    for (const [name, tag] of [['prod', '1.27'], ['staging', '1.28']]) {
      mkdirSync(join(dir, 'src', 'kustomize', name));
      writeFileSync(join(dir, 'src', 'kustomize', name, 'kustomization.yaml'), `resources: [../base]\nimages:\n  - name: nginx\n    newTag: "${tag}"\n`);
    }
    const found = await discoverImages(['src'], { cwd: dir });
    const nginx = found.images.filter((i) => i.ref.startsWith('docker.io/library/nginx:1.2')).map((i) => [i.ref, i.locations]);
    const at = 'src/kustomize/base/deployment.yaml: Deployment shop/app spec.template.spec.containers[1].image';
    expect(nginx).toEqual([['docker.io/library/nginx:1.25', ['src/kustomize/base/cronjob.yaml: CronJob shop/rotate spec.jobTemplate.spec.template.spec.containers[0].image']],
      ['docker.io/library/nginx:1.27', [at]], ['docker.io/library/nginx:1.28', [at]]]);
    await writeLock(join(dir, 'lock.json'), lockFor(found.images.map((i) => i.ref)));
    const report = await rewriteManifests({ lock: 'lock.json', manifests: 'src', out: 'out', cwd: dir });
    expect(report.notes).toEqual([`${at}: also wanted ${MIRROR}/docker.io/library/nginx:1.28 (through another kustomization); kept ${MIRROR}/docker.io/library/nginx:1.27`]);
    expect(readFileSync(join(dir, 'out', 'kustomize', 'base', 'deployment.yaml'), 'utf8')).toContain(`image: ${MIRROR}/docker.io/library/nginx:1.27\n`);
  });

  it.each([
    [{ out: undefined }, '--out is required'],
    [{ out: 'src' }, 'use --in-place'],
    [{ out: 'src/out' }, 'must not contain or be inside'],
    [{ out: '.' }, 'must not contain or be inside'],
    [{ manifests: 'nope' }, 'nope: no such file or directory'],
    [{ lock: 'nope.json' }, '/nope.json: cannot read lock file'],
  ])('bad options: %j', async (change, message) => {
    const { opts } = await setup(['list.yaml']);
    const run = rewriteManifests({ ...opts, ...change });
    await expect(run).rejects.toThrow(InputError);
    await expect(rewriteManifests({ ...opts, ...change })).rejects.toThrow(message);
  });
});

describe('rewrite --kustomize', () => {
  const render = (dir: string): string => execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });

  async function renderedRefs(dir: string): Promise<string[]> {
    writeFileSync(join(work, 'rendered.yaml'), render(dir));
    return (await discoverImages(['rendered.yaml'], { cwd: work })).images.map((i) => i.ref);
  }

  it('an overlay folder: images: entries for what kustomize reaches, env rewritten in the file', async () => {
    const { dir, opts } = await setup(['kustomize']);
    const before = await renderedRefs(join(dir, 'src', 'kustomize', 'overlay'));
    const report = await rewriteManifests({ ...opts, kustomize: true });
    const refs = await renderedRefs(join(dir, 'out'));
    expect(refs.filter((r) => !r.startsWith(`${MIRROR}/`))).toEqual([]);
    expect(refs).toHaveLength(before.length);
    expect(report.rewritten.filter((r) => r.via === 'file').map((r) => r.location)).toEqual([
      'src/kustomize/base/deployment.yaml: Deployment shop/app spec.template.spec.containers[2].env[0].value',
    ]);
    expect(report.kustomization?.file).toBe('out/kustomization.yaml');
    expect(report.kustomization?.entries).toContainEqual({ name: 'busybox:1.35', newName: `${MIRROR}/docker.io/library/busybox`, newTag: '1.35' });
    // The overlay and its comments are untouched: the new kustomization above it lists it.
    expect(readFileSync(join(dir, 'out', 'kustomize', 'overlay', 'kustomization.yaml'), 'utf8'))
      .toBe(readFileSync(join(FIXTURES, 'kustomize', 'overlay', 'kustomization.yaml'), 'utf8'));
  });

  it('a kustomize root keeps its entries, fields and comments and gets ours appended', async () => {
    const { dir } = await setup(['kustomize']);
    await writeLock(join(dir, 'lock.json'), lockFor((await discoverImages(['src/kustomize/overlay'], { cwd: dir })).images.map((i) => i.ref)));
    const source = readFileSync(join(dir, 'src', 'kustomize', 'overlay', 'kustomization.yaml'), 'utf8');
    await rewriteManifests({ lock: 'lock.json', manifests: 'src/kustomize', out: 'out', cwd: dir, kustomize: true });
    // src/kustomize has no kustomization of its own: one is written listing the overlay.
    expect(readFileSync(join(dir, 'out', 'kustomization.yaml'), 'utf8')).toContain('resources:\n  - overlay\n');
    await rewriteManifests({ lock: 'lock.json', manifests: 'src/kustomize', out: 'in-place-copy', cwd: dir, kustomize: true });
    cpSync(join(dir, 'src'), join(dir, 'edit'), { recursive: true });
    const first = await rewriteManifests({ lock: 'lock.json', manifests: 'edit/kustomize/overlay', inPlace: true, cwd: dir, kustomize: true });
    // The env value lives in ../base, outside the folder being rewritten: named, not touched.
    expect(first.notes).toEqual([
      'edit/kustomize/base/deployment.yaml: Deployment shop/app spec.template.spec.containers[2].env[0].value: outside the manifests folder, not rewritten',
    ]);
    const edited = readFileSync(join(dir, 'edit', 'kustomize', 'overlay', 'kustomization.yaml'), 'utf8');
    expect(edited.startsWith(source.trimEnd())).toBe(true);
    expect(edited).toContain(`  - name: nginx\n    newName: ${MIRROR}/docker.io/library/nginx\n    newTag: "1.27"\n`);
    const refs = await renderedRefs(join(dir, 'edit', 'kustomize', 'overlay'));
    expect(refs.filter((r) => !r.startsWith(`${MIRROR}/`))).toEqual(['docker.io/library/redis:7.2']);
    const second = await rewriteManifests({ lock: 'lock.json', manifests: 'edit/kustomize/overlay', inPlace: true, cwd: dir, kustomize: true });
    expect(second.kustomization?.entries).toEqual([]);
    expect(readFileSync(join(dir, 'edit', 'kustomize', 'overlay', 'kustomization.yaml'), 'utf8')).toBe(edited);
  });

  it('a plain folder gets a kustomization listing its resources', async () => {
    const files = ['workloads.yaml', 'list.yaml', 'crds.yaml', 'env-args.yaml', 'configmap.yaml', 'pod.json'];
    const { dir, opts } = await setup(files);
    const report = await rewriteManifests({ ...opts, kustomize: true });
    const refs = await renderedRefs(join(dir, 'out'));
    expect(refs.filter((r) => !r.startsWith(`${MIRROR}/`))).toEqual([]);
    const inFiles = report.rewritten.filter((r) => r.via === 'file').map((r) => r.location);
    expect(inFiles).toContain('src/crds.yaml: Widget gadget spec.runtime.sidecar.image');
    expect(inFiles).toContain('src/workloads.yaml: Pod shop/debug spec.ephemeralContainers[0].image');
    expect(inFiles.filter((l) => /containers\[\d+\]\.image$/.test(l) && !l.includes('ephemeral'))).toEqual([]);
  });
});
