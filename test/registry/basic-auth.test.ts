/**
 * Basic auth against a real registry with an htpasswd file (bcrypt), behind the fault proxy so
 * the test sees which host received an Authorization header.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { AuthError } from '../../src/errors.js';
import type { ImageManifest } from '../../src/manifest.js';
import { createRegistry, type RegistryOptions } from '../../src/registry/client.js';
import { anonymous } from '../../src/registry/credentials.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { seed } from '../support/seed.js';

const USER = 'tester';
const PASSWORD = 'S3cret-Pa55-do-not-print';
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

let dir: string;
let reg: RunningRegistry;
let proxy: FaultProxy;
let secrets: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ampere-htpasswd-'));
  // Cost 4: the registry checks bcrypt on every request.
  writeFileSync(join(dir, 'htpasswd'), `${USER}:${bcrypt.hashSync(PASSWORD, bcrypt.genSaltSync(4))}\n`);
  reg = await startRegistry({
    env: { REGISTRY_AUTH: 'htpasswd', REGISTRY_AUTH_HTPASSWD_REALM: 'test realm', REGISTRY_AUTH_HTPASSWD_PATH: join(dir, 'htpasswd') },
  });
  // The proxy's other listener adds credentials, like a pre-signed storage URL; skopeo seeds through it.
  proxy = await startFaultProxy(reg.url, { otherHeaders: { authorization: basic(USER, PASSWORD) } });
  await seed(proxy.otherHost, [{ name: 'private/app:1', platforms: ['linux/arm64'], single: true }]);
  secrets = [PASSWORD, Buffer.from(`${USER}:${PASSWORD}`).toString('base64')];
});
afterEach(() => proxy.arm([]));
afterAll(async () => {
  await proxy?.stop();
  await reg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function client(password: string | undefined, extra: RegistryOptions = {}) {
  const lines: string[] = [];
  const c = createRegistry({
    credentials: password === undefined ? anonymous : async (host) => (host === proxy.host ? { username: USER, password } : undefined),
    log: (l) => lines.push(l),
    ...extra,
  });
  return Object.assign(c, { lines });
}

const app = () => ({ registry: proxy.host, repository: 'private/app' });

test('with the right credentials: reads and pushes', async () => {
  const c = client(PASSWORD);
  const m = await c.getManifest(app(), '1');
  expect(m.manifest.kind).toBe('image');
  const config = (m.manifest as ImageManifest).config;
  expect((await c.getBlob(app(), config)).byteLength).toBe(config.size);
  await c.putManifest(app(), 'copy', m.bytes, m.mediaType);
  expect((await c.listTags(app())).sort()).toEqual(['1', 'copy']);
  const main = proxy.requests.filter((r) => r.listener === 'main' && r.path !== '/v2/');
  expect(main.every((r) => r.headers.authorization === basic(USER, PASSWORD))).toBe(true);
  await c.close();
});

test('without credentials: one AuthError naming the host', async () => {
  const c = client(undefined);
  const err = (await c.getManifest(app(), '1').catch((e: unknown) => e)) as AuthError;
  expect(err).toBeInstanceOf(AuthError);
  expect(err.message).toBe(`${proxy.host}/private/app:1: authentication required and no credentials for ${proxy.host}`);
  expect(err.status).toBe(401);
});

test('a wrong password is refused, and no secret shows in the error or the log', async () => {
  const wrong = 'Wr0ng-Pa55-also-secret';
  const c = client(wrong);
  const err = (await c.getManifest(app(), '1').catch((e: unknown) => e)) as AuthError;
  expect(err).toBeInstanceOf(AuthError);
  expect(err.message).toMatch(/not authorized \(GET .*: HTTP 401 UNAUTHORIZED\)$/);
  const text = [err.message, String(err.url), ...c.lines].join('\n');
  for (const s of [wrong, Buffer.from(`${USER}:${wrong}`).toString('base64'), ...secrets]) expect(text).not.toContain(s);
});

test('a blob redirected to another host:port gets no Authorization there', async () => {
  const c = client(PASSWORD);
  const m = (await c.getManifest(app(), '1')).manifest as ImageManifest;
  proxy.fault({ method: 'GET', path: /\/blobs\/sha256:/, fault: { redirect: 'other' } });
  const layer = m.layers[0]!;
  const chunks: Uint8Array[] = [];
  for await (const chunk of await c.openBlob(app(), layer)) chunks.push(chunk);
  expect(Buffer.concat(chunks).byteLength).toBe(layer.size);
  const other = proxy.requests.filter((r) => r.listener === 'other');
  expect(other).toHaveLength(1);
  expect(other[0]!.headers.authorization).toBeUndefined();
  // The registry itself did get the credentials.
  expect(proxy.requests.find((r) => r.listener === 'main' && r.path.includes('/blobs/'))?.headers.authorization).toBe(basic(USER, PASSWORD));
  for (const s of secrets) expect(c.lines.join('\n')).not.toContain(s);
});

test('credentials of the user-facing host never go to its upstream mirror', async () => {
  // docker.io is mapped to the proxy; the lookup knows docker.io's password only.
  const asked: string[] = [];
  const c = createRegistry({
    upstreams: { 'docker.io': proxy.url },
    credentials: async (host) => {
      asked.push(host);
      return host === 'docker.io' ? { username: USER, password: PASSWORD } : undefined;
    },
  });
  await expect(c.getManifest({ registry: 'docker.io', repository: 'private/app' }, '1')).rejects.toBeInstanceOf(AuthError);
  expect(asked.length).toBeGreaterThan(0);
  expect(asked.every((h) => h === proxy.host)).toBe(true);
  expect(proxy.requests.some((r) => r.headers.authorization !== undefined)).toBe(false);
});
