/** The client against a real registry behind the fault-injecting proxy. */
import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { DigestMismatch, RegistryError } from '../../src/errors.js';
import type { ImageManifest } from '../../src/manifest.js';
import { createRegistry, type RegistryOptions } from '../../src/registry/client.js';
import { anonymous } from '../../src/registry/credentials.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { seed } from '../support/seed.js';

let reg: RunningRegistry;
let proxy: FaultProxy;
let layer: { digest: string; size: number };
let configDigest: string;
const HOST = 'faulty.test';
const app = { registry: HOST, repository: 'single/app' };
const sha256 = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function client(opts: RegistryOptions = {}) {
  const lines: string[] = [];
  const c = createRegistry({
    credentials: anonymous, upstreams: { [HOST]: proxy.url }, backoff: { baseMs: 5, maxMs: 3_000 },
    log: (l) => lines.push(l), ...opts,
  });
  return Object.assign(c, { lines });
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks);
}

const hits = (method: string, re: RegExp) => proxy.requests.filter((r) => r.method === method && re.test(r.path));
const MANIFEST = /\/v2\/single\/app\/manifests\/1$/;
const BLOB = /\/v2\/single\/app\/blobs\/sha256:/;

beforeAll(async () => {
  reg = await startRegistry();
  // A layer big enough to be cut into pieces mid-body.
  await seed(reg.host, [{ name: 'single/app:1', platforms: ['linux/arm64'], single: true, layers: () => [{ key: 'faults', size: 256 * 1024, plain: true }] }]);
  proxy = await startFaultProxy(reg.url);
  const m = (await client().getManifest(app, '1')).manifest as ImageManifest;
  layer = m.layers[0]!;
  configDigest = m.config.digest;
  proxy.requests.splice(0);
});
afterEach(() => proxy.arm([]));
afterAll(async () => {
  await proxy?.stop();
  await reg?.stop();
});

describe('retries', () => {
  test.each([500, 502, 503])('HTTP %i twice, then success', async (status) => {
    const c = client();
    proxy.fault({ method: 'GET', path: MANIFEST, times: 2, fault: { status } });
    const m = await c.getManifest(app, '1');
    expect(m.manifest.kind).toBe('image');
    expect(c.stats.retries).toBe(2);
    expect(hits('GET', MANIFEST)).toHaveLength(3);
    expect(c.lines.filter((l) => l.startsWith('retry '))).toHaveLength(2);
  });

  test('a server that keeps failing: bounded attempts, one clear error', async () => {
    const c = client({ retries: 3 });
    proxy.fault({ method: 'GET', path: MANIFEST, fault: { status: 503, body: '{"errors":[{"code":"UNAVAILABLE","message":"down"}]}' } });
    const err = (await c.getManifest(app, '1').catch((e: unknown) => e)) as RegistryError;
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.message).toBe(`${HOST}/single/app:1: registry error (GET ${proxy.url}/v2/single/app/manifests/1: HTTP 503 UNAVAILABLE)`);
    expect(err.transient).toBe(true);
    expect(err.status).toBe(503);
    expect(hits('GET', MANIFEST)).toHaveLength(4);
  });

  test('404 is not retried', async () => {
    const c = client();
    proxy.fault({ method: 'GET', path: MANIFEST, fault: { status: 404 } });
    await expect(c.getManifest(app, '1')).rejects.toThrow(/not found/);
    expect(hits('GET', MANIFEST)).toHaveLength(1);
  });

  test.each([
    ['seconds', () => '1'],
    ['HTTP-date', () => new Date(Date.now() + 2_000).toUTCString()],
  ])('429 with Retry-After in %s is honoured', async (_kind, value) => {
    const c = client();
    proxy.fault({ method: 'GET', path: MANIFEST, nth: 1, fault: { status: 429, headers: { 'retry-after': value() } } });
    const started = Date.now();
    await c.getManifest(app, '1');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(c.stats.retries).toBe(1);
  });

  test('429 without Retry-After backs off and succeeds', async () => {
    const c = client();
    proxy.fault({ method: 'GET', path: MANIFEST, times: 2, fault: { status: 429 } });
    await c.getManifest(app, '1');
    expect(c.stats.retries).toBe(2);
  });

  test('a Retry-After of an hour is capped', async () => {
    const c = client({ backoff: { baseMs: 5, maxMs: 200 } });
    proxy.fault({ method: 'GET', path: MANIFEST, nth: 1, fault: { status: 503, headers: { 'retry-after': '3600' } } });
    const started = Date.now();
    await c.getManifest(app, '1');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  test('connection dropped mid-manifest: retried', async () => {
    const c = client();
    proxy.fault({ method: 'GET', path: MANIFEST, nth: 1, fault: { drop: 50 } });
    expect((await c.getManifest(app, '1')).manifest.kind).toBe('image');
    expect(c.stats.retries).toBe(1);
  });

  test('stalled past the timeout: retried, then a clear timeout error when it keeps stalling', async () => {
    const c = client({ timeoutMs: 300, retries: 1 });
    proxy.fault({ method: 'GET', path: MANIFEST, nth: 1, fault: { stall: 1_000 } });
    await c.getManifest(app, '1');
    expect(c.stats.retries).toBe(1);
    proxy.clearFaults();
    proxy.fault({ method: 'GET', path: MANIFEST, fault: { stall: 1_000 } });
    const err = (await c.getManifest(app, '1').catch((e: unknown) => e)) as RegistryError;
    expect(err.message).toBe(`${HOST}/single/app:1: network error (GET ${proxy.url}/v2/single/app/manifests/1: UND_ERR_HEADERS_TIMEOUT)`);
    expect(err.transient).toBe(true);
  });
});

describe('blob streams', () => {
  test('connection dropped mid-blob: resumed with a Range request, content verified', async () => {
    const c = client();
    proxy.fault({ method: 'GET', path: BLOB, nth: 1, fault: { drop: 100_000 } });
    const body = await collect(await c.openBlob(app, layer));
    expect(sha256(body)).toBe(layer.digest);
    const gets = hits('GET', BLOB);
    expect(gets).toHaveLength(2);
    expect(gets[1]!.headers.range).toMatch(/^bytes=\d+-$/);
  });

  test('body stalled past the timeout: resumed', async () => {
    const c = client({ timeoutMs: 300 });
    proxy.fault({ method: 'GET', path: BLOB, nth: 1, fault: { stallBody: 1_000 } });
    expect(sha256(await collect(await c.openBlob(app, layer)))).toBe(layer.digest);
    expect(c.stats.retries).toBe(1);
  });

  test('a truncated blob is never accepted', async () => {
    const c = client();
    proxy.fault({ method: 'GET', path: BLOB, fault: { truncate: 1000 } });
    const err = await collect(await c.openBlob(app, layer)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DigestMismatch);
    expect((err as Error).message).toBe(`digest mismatch for ${HOST}/single/app@${layer.digest}: expected ${layer.digest}, got 1000 of ${layer.size} bytes`);
  });

  test('a corrupted blob fails at its end with DigestMismatch', async () => {
    const c = client();
    proxy.fault({ method: 'GET', path: BLOB, fault: { corrupt: true } });
    const chunks: number[] = [];
    const err = await (async () => {
      for await (const chunk of await c.openBlob(app, layer)) chunks.push(chunk.byteLength);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DigestMismatch);
    expect(chunks.reduce((a, b) => a + b, 0)).toBe(layer.size);
    await expect(c.getBlob(app, { digest: configDigest, size: 1_000_000 })).rejects.toBeInstanceOf(DigestMismatch);
  });

  test('a corrupted manifest is refused, by digest and by tag', async () => {
    const c = client();
    const digest = (await c.getManifest(app, '1')).digest;
    proxy.fault({ method: 'GET', path: /\/manifests\//, fault: { corrupt: true } });
    await expect(c.getManifest(app, digest)).rejects.toBeInstanceOf(DigestMismatch);
    // By tag, checked against Docker-Content-Digest.
    await expect(c.getManifest(app, '1')).rejects.toBeInstanceOf(DigestMismatch);
  });

  test('redirects are followed, and bounded', async () => {
    const c = client();
    proxy.fault({ method: 'GET', path: BLOB, fault: { redirect: 'other' } });
    expect(sha256(await collect(await c.openBlob(app, layer)))).toBe(layer.digest);
    expect(proxy.requests.filter((r) => r.listener === 'other')).toHaveLength(1);
    proxy.clearFaults();
    proxy.fault({ method: 'GET', path: BLOB, fault: { redirect: proxy.url } });
    await expect(c.openBlob(app, layer)).rejects.toThrow(`${HOST}/single/app@${layer.digest}: more than 5 redirects`);
  });

  test('a redirect to plain HTTP on a non-loopback host is refused without contacting it', async () => {
    const c = client();
    proxy.fault({ method: 'GET', path: BLOB, fault: { redirect: 'http://storage.example' } });
    await expect(c.openBlob(app, layer)).rejects.toThrow(/redirect to http:\/\/storage\.example\/v2\/.* refused \(plain HTTP not allowed there\)/);
  });
});

describe('uploads', () => {
  const blob = new Uint8Array(Buffer.from('upload test blob '.repeat(100)));
  const desc = { digest: sha256(blob), size: blob.byteLength };
  const target = { registry: HOST, repository: 'up/load' };

  test('a failed PUT re-opens the body and retries the whole upload', async () => {
    const c = client();
    let opened = 0;
    proxy.fault({ method: 'PUT', path: /\/blobs\/uploads\//, nth: 1, fault: { status: 500 } });
    await c.pushBlob(target, desc, () => {
      opened++;
      return (async function* () { yield blob.subarray(0, 100); yield blob.subarray(100); })();
    });
    expect(opened).toBe(2);
    expect(hits('POST', /\/v2\/up\/load\/blobs\/uploads\/$/)).toHaveLength(2);
    expect(await c.hasBlob(target, desc.digest)).toBe(true);
  });

  test('a stream that was read once is never sent again: one clear error', async () => {
    const c = client();
    proxy.fault({ method: 'PUT', path: /\/blobs\/uploads\//, fault: { status: 500 } });
    const once = (async function* () { yield blob; })();
    const err = (await c.pushBlob({ registry: HOST, repository: 'up/once' }, desc, once).catch((e: unknown) => e)) as RegistryError;
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.status).toBe(500);
    expect(hits('PUT', /\/v2\/up\/once\//)).toHaveLength(1);
  });

  test('413 on a single PUT falls back to PATCH chunks', async () => {
    const c = client();
    proxy.fault({ method: 'PUT', path: /\/v2\/up\/big\/blobs\/uploads\/.*digest=/, nth: 1, fault: { status: 413 } });
    await c.pushBlob({ registry: HOST, repository: 'up/big' }, desc, () => (async function* () { yield blob; })());
    expect(hits('PATCH', /\/v2\/up\/big\//)).toHaveLength(1);
    expect(await c.hasBlob({ registry: HOST, repository: 'up/big' }, desc.digest)).toBe(true);
  });
});
