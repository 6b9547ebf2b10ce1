/** The client against a real distribution registry seeded by skopeo. */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { NotFoundError, RegistryError } from '../../src/errors.js';
import { MediaType, platformFromConfig, type ImageManifest, type IndexManifest } from '../../src/manifest.js';
import { createRegistry, type RegistryClient } from '../../src/registry/client.js';
import { anonymous } from '../../src/registry/credentials.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { seed } from '../support/seed.js';

let reg: RunningRegistry;
let digests: Map<string, string>;
let client: RegistryClient;
let proxy: FaultProxy;
const repo = (repository: string, registry = reg.host) => ({ registry, repository });
const sha256 = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  reg = await startRegistry();
  digests = await seed(reg.host, [
    { name: 'library/busybox:1.36', platforms: ['linux/amd64', 'linux/arm64'], attestations: true },
    { name: 'single/app:1', platforms: ['linux/arm64'], single: true },
    { name: 'docker/list:1', platforms: ['linux/amd64', 'linux/arm/v7'], docker: true },
  ]);
  client = createRegistry({ credentials: anonymous });
  proxy = await startFaultProxy(reg.url);
});
afterAll(async () => {
  await client?.close();
  await proxy?.stop();
  await reg?.stop();
});

describe('manifests', () => {
  test('by tag: an OCI index, verified against Docker-Content-Digest', async () => {
    const m = await client.getManifest(repo('library/busybox'), '1.36');
    expect(m.digest).toBe(digests.get('library/busybox:1.36'));
    expect(sha256(m.bytes)).toBe(m.digest);
    expect(m.mediaType).toBe(MediaType.OciIndex);
    const index = m.manifest as IndexManifest;
    expect(index.kind).toBe('index');
    expect(index.manifests).toHaveLength(4);
  });

  test('by digest: a child image manifest', async () => {
    const index = (await client.getManifest(repo('library/busybox'), '1.36')).manifest as IndexManifest;
    const child = index.manifests.find((d) => d.platform?.architecture === 'arm64')!;
    const m = await client.getManifest(repo('library/busybox'), child.digest);
    expect(m.digest).toBe(child.digest);
    expect(m.manifest.kind).toBe('image');
  });

  test('Docker v2 schema 2 manifest list', async () => {
    const m = await client.getManifest(repo('docker/list'), '1');
    expect(m.mediaType).toBe(MediaType.DockerList);
    expect(m.digest).toBe(digests.get('docker/list:1'));
  });

  test('HEAD gives digest, media type and size; a missing tag is undefined', async () => {
    const head = await client.headManifest(repo('single/app'), '1');
    const full = await client.getManifest(repo('single/app'), '1');
    expect(head).toEqual({ digest: full.digest, mediaType: MediaType.OciManifest, size: full.bytes.byteLength });
    expect(await client.headManifest(repo('single/app'), 'nope')).toBeUndefined();
  });

  test('a missing manifest is a NotFoundError naming the image', async () => {
    const err = await client.getManifest(repo('single/app'), 'nope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).message).toMatch(new RegExp(`^${reg.host}/single/app:nope: not found \\(GET http://${reg.host}/v2/single/app/manifests/nope: HTTP 404 MANIFEST_UNKNOWN\\)$`));
    expect((err as NotFoundError).status).toBe(404);
    expect((err as NotFoundError).codes).toEqual(['MANIFEST_UNKNOWN']);
  });
});

describe('blobs', () => {
  test('config read whole and layer streamed, both verified', async () => {
    const m = (await client.getManifest(repo('single/app'), '1')).manifest as ImageManifest;
    const config = await client.getBlob(repo('single/app'), m.config);
    expect(platformFromConfig(config)).toEqual({ os: 'linux', architecture: 'arm64' });
    const layer = await collect(await client.openBlob(repo('single/app'), m.layers[0]!));
    expect(sha256(layer)).toBe(m.layers[0]!.digest);
    expect(layer.byteLength).toBe(m.layers[0]!.size);
  });

  test('getBlob refuses a blob over maxBytes before asking', async () => {
    const m = (await client.getManifest(repo('single/app'), '1')).manifest as ImageManifest;
    const before = client.stats.requests;
    await expect(client.getBlob(repo('single/app'), m.layers[0]!, 100)).rejects.toThrow(/over the 100-byte limit/);
    expect(client.stats.requests).toBe(before);
  });

  test('a descriptor smaller than the blob is refused', async () => {
    const m = (await client.getManifest(repo('single/app'), '1')).manifest as ImageManifest;
    const wrong = { digest: m.layers[0]!.digest, size: m.layers[0]!.size - 1 };
    await expect(client.openBlob(repo('single/app'), wrong)).rejects.toThrow(`registry sends ${wrong.size + 1} bytes, more than the ${wrong.size} of its descriptor; refused`);
  });

  test('hasBlob', async () => {
    const m = (await client.getManifest(repo('single/app'), '1')).manifest as ImageManifest;
    expect(await client.hasBlob(repo('single/app'), m.config.digest)).toBe(true);
    expect(await client.hasBlob(repo('single/app'), `sha256:${'0'.repeat(64)}`)).toBe(false);
  });
});

describe('push', () => {
  /** Copy one image manifest's blobs and the manifest itself from `src` to `dst`. */
  async function copyImage(c: RegistryClient, src: string, dst: string, digest: string, mount: boolean): Promise<void> {
    const m = await c.getManifest(repo(src), digest);
    const image = m.manifest as ImageManifest;
    for (const blob of [image.config, ...image.layers]) {
      if (mount && (await c.mountBlob(repo(dst), blob.digest, repo(src)))) continue;
      await c.pushBlob(repo(dst), blob, () => ({ [Symbol.asyncIterator]: async function* () { yield* await c.openBlob(repo(src), blob); } }));
    }
    await c.putManifest(repo(dst), m.digest, m.bytes, m.mediaType);
  }

  test('an index copied child by child keeps its digest; mounts within the registry', async () => {
    const src = await client.getManifest(repo('library/busybox'), '1.36');
    for (const child of (src.manifest as IndexManifest).manifests) await copyImage(client, 'library/busybox', 'copy/busybox', child.digest, true);
    const digest = await client.putManifest(repo('copy/busybox'), '1.36', src.bytes, src.mediaType);
    expect(digest).toBe(src.digest);
    expect((await client.headManifest(repo('copy/busybox'), '1.36'))?.digest).toBe(src.digest);
    expect(await client.listTags(repo('copy/busybox'))).toEqual(['1.36']);
  });

  test('pushed blobs (monolithic and chunked) read back identical', async () => {
    const src = await client.getManifest(repo('single/app'), '1');
    await copyImage(client, 'single/app', 'copy/app', src.digest, false);
    // Through the proxy, to see the PATCH chunks go by.
    const chunked = createRegistry({ credentials: anonymous, chunkSize: 256, upstreams: { [reg.host]: proxy.url } });
    await copyImage(chunked, 'single/app', 'copy/app-chunked', src.digest, false);
    await chunked.close();
    const layer = (src.manifest as ImageManifest).layers[0]!;
    const patches = proxy.requests.filter((r) => r.method === 'PATCH' && r.path.startsWith('/v2/copy/app-chunked/'));
    expect(patches.map((r) => r.headers['content-range'])).toEqual(expect.arrayContaining(['0-255', '256-511']));
    // Blobs up to the chunk size still go in one PUT.
    const config = (src.manifest as ImageManifest).config;
    expect(patches.length).toBe(Math.ceil(layer.size / 256) + (config.size > 256 ? Math.ceil(config.size / 256) : 0));
    for (const dst of ['copy/app', 'copy/app-chunked']) {
      expect(sha256(await collect(await client.openBlob(repo(dst), layer)))).toBe(layer.digest);
    }
  });

  test('mount of a blob the source lacks is false (upload started, then cancelled)', async () => {
    expect(await client.mountBlob(repo('copy/none'), `sha256:${'1'.repeat(64)}`, repo('single/app'))).toBe(false);
    expect(await client.mountBlob(repo('copy/none'), `sha256:${'1'.repeat(64)}`, repo('single/app', 'other.example'))).toBe(false);
  });

  test('the registry refuses a blob whose content is not its digest', async () => {
    const body = new TextEncoder().encode('hello');
    const err = await client.pushBlob(repo('copy/bad'), { digest: `sha256:${'2'.repeat(64)}`, size: body.byteLength }, () => (async function* () { yield body; })()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).codes).toContain('DIGEST_INVALID');
    expect((err as RegistryError).transient).toBe(false);
  });

  test('tags of a repository', async () => {
    const src = await client.getManifest(repo('single/app'), '1');
    for (const t of ['a', 'b']) await client.putManifest(repo('single/app'), t, src.bytes, src.mediaType);
    expect((await client.listTags(repo('single/app'))).sort()).toEqual(['1', 'a', 'b']);
  });
});

describe('connections', () => {
  test('sequential requests reuse keep-alive connections', async () => {
    const first = proxy.connections.main;
    const c = createRegistry({ credentials: anonymous, concurrency: 1, upstreams: { 'mirror.test': proxy.url } });
    for (let i = 0; i < 20; i++) await c.getManifest(repo('library/busybox', 'mirror.test'), '1.36');
    expect(c.stats.requests).toBe(21);
    expect(proxy.connections.main - first).toBe(1);
    await c.close();
    // With more allowed, a request may start while the last one's socket is being released: still reuse.
    const before = proxy.connections.main;
    const d = createRegistry({ credentials: anonymous, upstreams: { 'mirror.test': proxy.url } });
    for (let i = 0; i < 20; i++) await d.getManifest(repo('library/busybox', 'mirror.test'), '1.36');
    expect(proxy.connections.main - before).toBeLessThanOrEqual(2);
    await d.close();
  });

  test('concurrency bounds connections per host', async () => {
    const before = proxy.connections.main;
    const c = createRegistry({ credentials: anonymous, concurrency: 2, upstreams: { 'mirror.test': proxy.url } });
    await Promise.all(Array.from({ length: 12 }, () => c.getManifest(repo('library/busybox', 'mirror.test'), '1.36')));
    expect(proxy.connections.main - before).toBeLessThanOrEqual(2);
    await c.close();
  });
});
