/**
 * The mirror against two real registries (Debian's docker-registry): a source seeded by skopeo,
 * standing in for docker.io through an upstream mapping, and a fresh target per test. What the
 * target holds is checked with skopeo, not with our client.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORIGIN_ANNOTATION } from '../../src/mirror/compose.js';
import { registryFleet, type RunningRegistry } from '../support/registry.js';
import { seed, type SeedImage } from '../support/seed.js';
import { client, copyAllToOci, inspectConfig, inspectRaw, lockText, mirror, skopeoDigest } from './support.js';

const SHARED = { key: 'mirror-test shared base', size: 200_000, plain: true };

const IMAGES: SeedImage[] = [
  { name: 'library/multi:1', platforms: ['linux/amd64', 'linux/arm64'], attestations: true },
  { name: 'library/amd:1', platforms: ['linux/amd64'] },
  { name: 'library/amd-single:1', platforms: ['linux/amd64'], single: true },
  { name: 'someone/alt:1', platforms: ['linux/amd64', 'linux/arm64'] },
  { name: 'someone/alt-single:1', platforms: ['linux/arm64'], single: true },
  { name: 'someone/liar:1-arm64', platforms: ['linux/amd64'], single: true },
  { name: 'library/shared-a:1', platforms: ['linux/amd64', 'linux/arm64'], layers: (p) => [SHARED, { key: `a ${p}` }] },
  { name: 'library/shared-b:1', platforms: ['linux/amd64', 'linux/arm64'], layers: (p) => [SHARED, { key: `b ${p}` }] },
  { name: 'library/shared-c:1', platforms: ['linux/amd64', 'linux/arm64'], layers: (p) => [SHARED, { key: `c ${p}` }] },
  { name: 'library/dockerlist:1', platforms: ['linux/amd64', 'linux/arm/v7'], docker: true },
];

describe('mirror into a real registry', () => {
  let source: RunningRegistry;
  let digests: Map<string, string>;
  const fleet = registryFleet();
  const newTarget = (): Promise<RunningRegistry> => fleet.start();
  const upstream = (): ReturnType<typeof client> => client({ 'docker.io': source.url });

  beforeAll(async () => {
    source = await fleet.start();
    digests = await seed(source.host, IMAGES);
  }, 120_000);
  afterAll(async () => {
    await fleet.stopAll();
  });

  it('copies a multi-arch index with attestations byte for byte, and skopeo can pull every blob', async () => {
    const target = await newTarget();
    const reg = upstream();
    const run = await mirror(reg, target.host, [{ ref: 'docker.io/library/multi:1' }]);
    const [image] = run.images;
    expect(image).toMatchObject({ result: 'copied', target: `${target.host}/docker.io/library/multi:1`, error: null });
    expect(image!.digest).toBe(digests.get('library/multi:1'));
    const src = await inspectRaw(`${source.host}/library/multi:1`);
    const dst = await inspectRaw(`${target.host}/docker.io/library/multi:1`);
    expect(dst.text).toBe(src.text);
    expect(dst.json.manifests).toHaveLength(4);
    expect(Object.keys(image!.platforms)).toEqual(['linux/amd64', 'linux/arm64']);
    const dir = mkdtempSync(join(tmpdir(), 'ampere-oci-'));
    try {
      await copyAllToOci(`${target.host}/docker.io/library/multi:1`, dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // config + layer per platform, a statement per attestation, and the one config both attestations share
    expect(run.blobs.copied).toBe(7);
    await reg.close();
  });

  it('keeps a Docker v2s2 manifest list as it is (arm64 missing: reported, the rest mirrored)', async () => {
    const target = await newTarget();
    const reg = upstream();
    const run = await mirror(reg, target.host, [{ ref: 'docker.io/library/dockerlist:1' }]);
    expect(run.images[0]!.result).toBe('unavailable');
    expect(await skopeoDigest(`${target.host}/docker.io/library/dockerlist:1`)).toBe(digests.get('library/dockerlist:1'));
    const dst = await inspectRaw(`${target.host}/docker.io/library/dockerlist:1`);
    expect(dst.json.mediaType).toBe('application/vnd.docker.distribution.manifest.list.v2+json');
    expect(run.images[0]!.platforms['linux/arm/v7']).toMatchObject({ from: 'upstream' });
    await reg.close();
  });

  it('trims to --platform: no entry for a dropped platform, nor for its attestation', async () => {
    const target = await newTarget();
    const reg = upstream();
    const run = await mirror(reg, target.host, [{ ref: 'docker.io/library/multi:1' }], { platforms: ['linux/amd64'] });
    const [image] = run.images;
    expect(image!.result).toBe('copied');
    expect(image!.digest).not.toBe(digests.get('library/multi:1'));
    const dst = await inspectRaw(`${target.host}/docker.io/library/multi:1`);
    expect(dst.json.manifests).toHaveLength(2);
    const amd = dst.json.manifests.find((m: any) => m.platform.architecture === 'amd64');
    const att = dst.json.manifests.find((m: any) => m.platform.architecture === 'unknown');
    expect(att.annotations['vnd.docker.reference.digest']).toBe(amd.digest);
    expect(Object.keys(image!.platforms)).toEqual(['linux/amd64']);
    expect(run.blobs.copied).toBe(4);
    const dir = mkdtempSync(join(tmpdir(), 'ampere-oci-'));
    try {
      await copyAllToOci(`${target.host}/docker.io/library/multi:1`, dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await reg.close();
  });

  it('composes an amd64-only index with the arm64 of a declared alternate, annotated with origins', async () => {
    const target = await newTarget();
    const reg = upstream();
    const run = await mirror(reg, target.host, [{ ref: 'docker.io/library/amd:1', arm64: { from: 'docker.io/someone/alt:1' } }]);
    const [image] = run.images;
    expect(image).toMatchObject({ result: 'composed', action: 'compose', error: null });
    const ref = `${target.host}/docker.io/library/amd:1`;
    const dst = await inspectRaw(ref);
    expect(dst.json.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    const platforms = dst.json.manifests.map((m: any) => `${m.platform.os}/${m.platform.architecture}`);
    expect(platforms).toEqual(['linux/amd64', 'linux/arm64']);
    expect(dst.json.manifests[0].annotations[ORIGIN_ANNOTATION]).toBe('upstream docker.io/library/amd:1');
    expect(dst.json.manifests[1].annotations[ORIGIN_ANNOTATION]).toBe('alternate docker.io/someone/alt:1');
    expect((await inspectConfig(ref, 'arm64')).architecture).toBe('arm64');
    expect((await inspectConfig(ref, 'amd64')).architecture).toBe('amd64');
    expect(image!.platforms['linux/arm64']).toEqual({ digest: dst.json.manifests[1].digest, from: 'alternate docker.io/someone/alt:1' });
    expect(image!.digest).toBe(await skopeoDigest(ref));
    // only the alternate's arm64 blobs came along, not its amd64 ones
    expect(run.blobs.copied).toBe(4);
    await reg.close();
  });

  it('composes from a single-manifest upstream and a single arm64 alternate', async () => {
    const target = await newTarget();
    const reg = upstream();
    const run = await mirror(reg, target.host, [{ ref: 'docker.io/library/amd-single:1', arm64: { from: 'docker.io/someone/alt-single:1' } }]);
    expect(run.images[0]!.result).toBe('composed');
    const dst = await inspectRaw(`${target.host}/docker.io/library/amd-single:1`);
    expect(dst.json.manifests.map((m: any) => m.platform.architecture)).toEqual(['amd64', 'arm64']);
    expect(dst.json.manifests[0].digest).toBe(digests.get('library/amd-single:1'));
    expect(dst.json.manifests[1].digest).toBe(digests.get('someone/alt-single:1'));
    await reg.close();
  });

  it('takes the audit probe\'s alternative when nothing is declared, and says unavailable when there is none', async () => {
    const target = await newTarget();
    const reg = upstream();
    const asked: string[] = [];
    const findAlternative = async (ref: string): Promise<string | null> => {
      asked.push(ref);
      return ref.includes('amd-single') ? 'docker.io/someone/alt:1' : null;
    };
    const run = await mirror(reg, target.host, [{ ref: 'docker.io/library/amd-single:1' }, { ref: 'docker.io/library/amd:1' }], { findAlternative });
    const byRef = new Map(run.images.map((i) => [i.source, i]));
    expect(byRef.get('docker.io/library/amd-single:1')).toMatchObject({ result: 'composed' });
    expect(byRef.get('docker.io/library/amd:1')).toMatchObject({ result: 'unavailable', digest: digests.get('library/amd:1') });
    expect(byRef.get('docker.io/library/amd:1')!.reason).toMatch(/no alternate/);
    expect(asked.sort()).toEqual(['docker.io/library/amd-single:1', 'docker.io/library/amd:1']);
    // the amd64 part of an unavailable image is still mirrored
    expect((await inspectRaw(`${target.host}/docker.io/library/amd:1`)).json.manifests).toHaveLength(1);
    await reg.close();
  });

  it('fails an image whose alternate is not arm64 by its config, tags nothing for it, and goes on', async () => {
    const target = await newTarget();
    const reg = upstream();
    const run = await mirror(reg, target.host, [
      { ref: 'docker.io/library/amd:1', arm64: { from: 'docker.io/someone/liar:1-arm64' } },
      { ref: 'docker.io/library/amd-single:1' },
    ]);
    const [bad, good] = run.images;
    expect(bad).toMatchObject({ result: 'failed', digest: null });
    expect(bad!.error).toMatch(/alternate docker.io\/someone\/liar:1-arm64 is linux\/amd64 by its config/);
    expect(good!.result).toBe('unavailable');
    expect(run.lock.images.map((e) => e.source)).toEqual(['docker.io/library/amd-single:1']);
    await expect(inspectRaw(`${target.host}/docker.io/library/amd:1`)).rejects.toThrow();
  });

  it('sends a shared layer once and mounts it into the other repositories', async () => {
    const target = await newTarget();
    const reg = upstream();
    const sources = ['shared-a', 'shared-b', 'shared-c'].map((n) => ({ ref: `docker.io/library/${n}:1` }));
    const run = await mirror(reg, target.host, sources);
    expect(run.images.map((i) => i.result)).toEqual(['copied', 'copied', 'copied']);
    // unique: 2 configs + 2 layers for each of a, b, c; the shared layer once, mounted into the two other repos
    expect(run.blobs).toMatchObject({ copied: 13, mounted: 2 });
    expect(run.blobs.bytes).toBeGreaterThan(200_000);
    expect(run.blobs.bytes).toBeLessThan(2 * 200_000);
    for (const n of ['shared-a', 'shared-b', 'shared-c']) {
      const dir = mkdtempSync(join(tmpdir(), 'ampere-oci-'));
      try {
        await copyAllToOci(`${target.host}/docker.io/library/${n}:1`, dir);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    await reg.close();
  });

  it('re-runs without transferring a blob or changing the lock, and mounts from the lock\'s repositories later', async () => {
    const target = await newTarget();
    const first = upstream();
    const sources = [
      { ref: 'docker.io/library/multi:1' },
      { ref: 'docker.io/library/amd:1', arm64: { from: 'docker.io/someone/alt:1' } },
      { ref: 'docker.io/library/shared-a:1' },
    ];
    const one = await mirror(first, target.host, sources);
    expect(one.images.map((i) => i.result)).toEqual(['copied', 'composed', 'copied']);
    await first.close();

    const second = upstream();
    const two = await mirror(second, target.host, sources, { lock: one.lock });
    expect(two.images.map((i) => i.result)).toEqual(['up-to-date', 'up-to-date', 'up-to-date']);
    expect(two.blobs).toEqual({ copied: 0, skipped: 0, mounted: 0, bytes: 0 });
    expect(lockText(two.lock)).toBe(lockText(one.lock));
    // per image: source manifest GET + target HEAD; plus at most one /v2/ ping per registry
    expect(second.stats.requests).toBeGreaterThanOrEqual(2 * sources.length);
    expect(second.stats.requests).toBeLessThanOrEqual(2 * sources.length + 2);
    await second.close();

    // a new run (lock only) with an image sharing a layer with shared-a: mounted from where the lock says
    const third = upstream();
    const three = await mirror(third, target.host, [{ ref: 'docker.io/library/shared-b:1' }], { lock: two.lock });
    expect(three.blobs.mounted).toBe(1);
    expect(three.blobs.bytes).toBeLessThan(200_000);
    expect(three.lock.images.map((e) => e.source)).toEqual([
      'docker.io/library/amd:1', 'docker.io/library/multi:1', 'docker.io/library/shared-a:1', 'docker.io/library/shared-b:1',
    ]);
    await third.close();
  });

  it('a source pinned by tag@digest never moves the mirror\'s tag, which follows the unpinned source', async () => {
    const moving = (v: string): SeedImage => ({ name: 'library/moving:1', platforms: ['linux/amd64', 'linux/arm64'], layers: (p) => [{ key: `moving ${v} ${p}` }] });
    const old = (await seed(source.host, [moving('v1')])).get('library/moving:1')!;
    const now = (await seed(source.host, [moving('v2')])).get('library/moving:1')!;
    const target = await newTarget();
    const reg = upstream();
    const sources = [{ ref: 'docker.io/library/moving:1' }, { ref: `docker.io/library/moving:1@${old}` }];
    const tagged = `${target.host}/docker.io/library/moving:1`;
    const one = await mirror(reg, target.host, sources, { imageConcurrency: 1 });
    expect(await skopeoDigest(tagged)).toBe(now);
    expect(await skopeoDigest(`${target.host}/docker.io/library/moving@${old}`)).toBe(old);
    const two = await mirror(reg, target.host, sources, { lock: one.lock, imageConcurrency: 1 });
    expect(two.images.map((i) => i.result)).toEqual(['up-to-date', 'up-to-date']);
    expect(await skopeoDigest(tagged)).toBe(now);
    await reg.close();
  });

  it('the lock target of a composed tag@digest source names the composed index, not the upstream digest', async () => {
    const target = await newTarget();
    const reg = upstream();
    const amd = digests.get('library/amd:1')!;
    const run = await mirror(reg, target.host, [{ ref: `docker.io/library/amd:1@${amd}`, arm64: { from: 'docker.io/someone/alt:1' } }]);
    const [entry] = run.lock.images;
    expect(entry?.digest).not.toBe(amd);
    expect(entry?.target).toBe(`${target.host}/docker.io/library/amd:1@${entry?.digest}`);
    expect(run.images[0]?.target).toBe(entry?.target);
    const raw = await inspectRaw(`${target.host}/docker.io/library/amd@${entry?.digest}`);
    expect(raw.json.manifests.map((m: any) => m.platform.architecture)).toEqual(['amd64', 'arm64']);
    await reg.close();
  });

  it('without a lock, a second run skips every blob that is already there', async () => {
    const target = await newTarget();
    const reg = upstream();
    const sources = [{ ref: 'docker.io/library/multi:1' }, { ref: 'docker.io/library/amd:1', arm64: { from: 'docker.io/someone/alt:1' } }];
    const one = await mirror(reg, target.host, sources);
    const two = await mirror(reg, target.host, sources);
    expect(two.blobs.copied).toBe(0);
    expect(two.blobs.skipped).toBe(one.blobs.copied);
    expect(two.images.map((i) => i.digest)).toEqual(one.images.map((i) => i.digest));
    expect(lockText(two.lock)).toBe(lockText(one.lock));
    await reg.close();
  });
});
