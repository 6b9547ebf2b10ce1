/**
 * The mirror when the source (or the target) misbehaves, through the fault-injecting proxy in front of a real
 * registry: transient errors are the client's to retry; a dropped blob fails only its image and a
 * re-run finishes it; a blob whose bytes do not match its digest never gets its image tagged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { seed } from '../support/seed.js';
import { client, copyAllToOci, inspectRaw, mirror } from './support.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LARGE = 3 * 1024 * 1024;

describe('mirror through a faulty source', () => {
  let source: RunningRegistry;
  let proxy: FaultProxy;
  let large: string;
  const targets: RunningRegistry[] = [];
  const fresh = async (): Promise<RunningRegistry> => {
    const t = await startRegistry();
    targets.push(t);
    return t;
  };
  const blobGets = (digest: string): number => proxy.requests.filter((r) => r.method === 'GET' && r.path.endsWith(`/blobs/${digest}`)).length;

  beforeAll(async () => {
    source = await startRegistry();
    await seed(source.host, [
      { name: 'library/app:1', platforms: ['linux/amd64', 'linux/arm64'], layers: (p) => [{ key: `app ${p}` }, { key: `app large ${p}`, size: LARGE, plain: true }] },
      { name: 'library/other:1', platforms: ['linux/amd64', 'linux/arm64'] },
    ]);
    const amd = (await inspectRaw(`${source.host}/library/app:1`)).json.manifests[0].digest;
    large = (await inspectRaw(`${source.host}/library/app@${amd}`)).json.layers[1].digest;
    proxy = await startFaultProxy(source.url);
  }, 120_000);
  afterAll(async () => {
    await proxy?.stop();
    await Promise.all([source, ...targets].map((r) => r?.stop()));
  });

  it('rides out 503s and 429s (with Retry-After) on manifests and blobs', async () => {
    proxy.clearFaults();
    proxy.requests.length = 0;
    proxy.fault({ method: 'GET', path: /\/app\/manifests\/1$/, nth: 1, fault: { status: 503 } });
    proxy.fault({ method: 'GET', path: /\/manifests\/sha256:/, nth: 2, fault: { status: 429, headers: { 'retry-after': '0' } } });
    proxy.fault({ method: 'GET', path: new RegExp(`/blobs/${large}$`), nth: 1, fault: { status: 429, headers: { 'retry-after': '1' } } });
    proxy.fault({ method: 'GET', path: /\/blobs\//, nth: 3, fault: { status: 502 } });
    const target = await fresh();
    const reg = client({ 'docker.io': proxy.url });
    const run = await mirror(reg, target.host, [{ ref: 'docker.io/library/app:1' }]);
    expect(run.images[0]).toMatchObject({ result: 'copied', error: null });
    expect(proxy.requests.filter((r) => r.fault).length).toBe(4);
    expect(reg.stats.retries).toBeGreaterThanOrEqual(4);
    const dir = mkdtempSync(join(tmpdir(), 'ampere-oci-'));
    try {
      await copyAllToOci(`${target.host}/docker.io/library/app:1`, dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await reg.close();
  });

  it('resumes a blob whose connection dropped mid-body, within the same run', async () => {
    proxy.clearFaults();
    proxy.requests.length = 0;
    proxy.fault({ method: 'GET', path: new RegExp(`/blobs/${large}$`), nth: 1, fault: { drop: 1024 * 1024 } });
    const target = await fresh();
    const reg = client({ 'docker.io': proxy.url });
    const run = await mirror(reg, target.host, [{ ref: 'docker.io/library/app:1' }]);
    expect(run.images[0]!.result).toBe('copied');
    expect(blobGets(large)).toBe(2);
    await reg.close();
  });

  it('a blob that keeps dropping fails its image only; a re-run finishes without re-sending what landed', async () => {
    proxy.clearFaults();
    proxy.requests.length = 0;
    // dropped before any byte: the client's ranged resume cannot make progress either
    proxy.fault({ method: 'GET', path: new RegExp(`/blobs/${large}$`), fault: { drop: 0 } });
    const target = await fresh();
    const reg = client({ 'docker.io': proxy.url });
    const sources = [{ ref: 'docker.io/library/app:1' }, { ref: 'docker.io/library/other:1' }];
    const one = await mirror(reg, target.host, sources);
    expect(one.images.map((i) => i.result)).toEqual(['failed', 'copied']);
    expect(one.images[0]!.error).toMatch(/docker\.io\/library\/app|blobs|sha256/);
    expect(one.lock.images.map((e) => e.source)).toEqual(['docker.io/library/other:1']);
    await expect(inspectRaw(`${target.host}/docker.io/library/app:1`)).rejects.toThrow();
    const landed = one.blobs.copied;

    proxy.clearFaults();
    const two = await mirror(reg, target.host, sources, { lock: one.lock });
    expect(two.images.map((i) => i.result)).toEqual(['copied', 'up-to-date']);
    // app: 2 configs + 2 small + 2 large; only the blobs that had not landed travel again
    expect(two.blobs.copied + landed - 4).toBe(6);
    expect(two.blobs.skipped).toBeGreaterThan(0);
    expect(two.lock.images.map((e) => e.source)).toEqual(['docker.io/library/app:1', 'docker.io/library/other:1']);
    await reg.close();
  });

  it('a blob whose bytes do not match its digest fails the image with a clear error and tags nothing', async () => {
    proxy.clearFaults();
    proxy.requests.length = 0;
    proxy.fault({ method: 'GET', path: new RegExp(`/blobs/${large}$`), fault: { corrupt: true } });
    const target = await fresh();
    const reg = client({ 'docker.io': proxy.url });
    const run = await mirror(reg, target.host, [{ ref: 'docker.io/library/app:1' }, { ref: 'docker.io/library/other:1' }]);
    expect(run.images[0]).toMatchObject({ result: 'failed', digest: null });
    expect(run.images[0]!.error).toMatch(/digest mismatch/);
    expect(run.images[0]!.error).toContain(large);
    expect(run.images[1]!.result).toBe('copied');
    await expect(inspectRaw(`${target.host}/docker.io/library/app:1`)).rejects.toThrow();
    const head = await fetch(`${target.url}/v2/docker.io/library/app/blobs/${large}`, { method: 'HEAD' });
    expect(head.status).toBe(404);
    // no manifest of the image was written, not even a child by digest
    const tags = await fetch(`${target.url}/v2/docker.io/library/app/tags/list`);
    expect(tags.status === 404 || ((await tags.json()) as { tags: unknown }).tags === null).toBe(true);
    await reg.close();
  });
  it('a target that refuses to PUT the tag fails that image only; the tag never exists, and a re-run makes it', async () => {
    const target = await fresh();
    const front = await startFaultProxy(target.url);
    try {
      front.fault({ method: 'PUT', path: /\/library\/app\/manifests\/1$/, fault: { status: 500, body: 'disk full' } });
      const reg = client({ 'docker.io': source.url });
      const host = new URL(front.url).host;
      const sources = [{ ref: 'docker.io/library/app:1' }, { ref: 'docker.io/library/other:1' }];
      const run = await mirror(reg, host, sources);
      expect(run.images.map((i) => i.result)).toEqual(['failed', 'copied']);
      expect(run.images[0]!.error).toMatch(/PUT .*manifests\/1.*500/);
      expect(run.lock.images.map((e) => e.source)).toEqual(['docker.io/library/other:1']);
      await expect(inspectRaw(`${target.host}/docker.io/library/app:1`)).rejects.toThrow();
      front.clearFaults();
      const again = await mirror(reg, host, sources, { lock: run.lock });
      expect(again.images.map((i) => i.result)).toEqual(['copied', 'up-to-date']);
      expect(again.blobs.copied).toBe(0);
      expect((await inspectRaw(`${target.host}/docker.io/library/app:1`)).json.manifests).toHaveLength(2);
      await reg.close();
    } finally {
      await front.stop();
    }
  });
});
