/**
 * The Bearer token flow against a real registry configured for token auth (`auth: token`), with a
 * scripted token service that signs JWTs with a throwaway certificate (openssl) and counts requests.
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, randomBytes, sign, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { AuthError } from '../../src/errors.js';
import type { ImageManifest } from '../../src/manifest.js';
import { createRegistry, type RegistryOptions } from '../../src/registry/client.js';
import type { Credential } from '../../src/registry/credentials.js';
import { startScriptedServer, type ScriptedServer, type SeenRequest } from '../support/scripted-server.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { seed } from '../support/seed.js';

const SERVICE = 'ampere-test-registry';
const ISSUER = 'ampere-test-issuer';
const USER = 'pusher';
const PASSWORD = 'B3arer-Pa55-never-print';
const REFRESH = 'refresh-token-never-print';

let dir: string;
let key: ReturnType<typeof createPrivateKey>;
let certDer: string;
let tokenServer: ScriptedServer;
let reg: RunningRegistry;
let issued: string[] = [];
/** The next token's real lifetime in seconds (the registry checks it), whatever expires_in says. */
let nextLifetime = 300;

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

function jwt(subject: string, access: Array<{ type: string; name: string; actions: string[] }>): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { typ: 'JWT', alg: 'RS256', x5c: [certDer] };
  const claims = { iss: ISSUER, sub: subject, aud: SERVICE, iat: now, nbf: now - 10, exp: now + nextLifetime, jti: randomBytes(8).toString('hex'), access };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const token = `${input}.${b64url(sign('sha256', Buffer.from(input), key))}`;
  nextLifetime = 300;
  issued.push(token);
  return token;
}

/** Anonymous callers may pull; USER may pull and push. */
function grant(scopes: string[], user: string | undefined) {
  return scopes.map((s) => {
    const [type = '', name = '', actions = ''] = s.split(':');
    return { type, name, actions: actions.split(',').filter((a) => a === 'pull' || user !== undefined) };
  });
}

function getToken(req: SeenRequest) {
  const url = new URL(req.path, 'http://x');
  const auth = req.headers.authorization;
  let user: string | undefined;
  if (auth) {
    if (auth !== `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`) return { status: 401, body: { details: 'bad credentials' } };
    user = USER;
  }
  if (url.searchParams.get('service') !== SERVICE) return { status: 400 };
  return { status: 200, body: { token: jwt(user ?? '', grant(url.searchParams.getAll('scope'), user)), expires_in: 300, issued_at: new Date().toISOString() } };
}

function postToken(req: SeenRequest) {
  const form = new URLSearchParams(req.body);
  if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== REFRESH || !form.get('client_id')) return { status: 401 };
  return { status: 200, body: { access_token: jwt(USER, grant((form.get('scope') ?? '').split(' '), USER)), expires_in: 300 } };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ampere-token-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    '-days', '1', '-subj', '/CN=ampere-test-token'], { stdio: 'ignore' });
  key = createPrivateKey(readFileSync(join(dir, 'key.pem')));
  certDer = new X509Certificate(readFileSync(join(dir, 'cert.pem'))).raw.toString('base64');
  tokenServer = await startScriptedServer([
    { method: 'GET', path: /^\/token\?/, times: Infinity, reply: getToken },
    { method: 'POST', path: '/token', times: Infinity, reply: postToken },
  ]);
  reg = await startRegistry({
    env: {
      REGISTRY_AUTH: 'token',
      REGISTRY_AUTH_TOKEN_REALM: `${tokenServer.url}/token`,
      REGISTRY_AUTH_TOKEN_SERVICE: SERVICE,
      REGISTRY_AUTH_TOKEN_ISSUER: ISSUER,
      REGISTRY_AUTH_TOKEN_ROOTCERTBUNDLE: join(dir, 'cert.pem'),
    },
  });
  // skopeo seeds with a token our token service grants, independent of our client.
  await seed(reg.host, [{ name: 'team/app:1', platforms: ['linux/arm64'], single: true }], ['--dest-creds', `${USER}:${PASSWORD}`]);
  tokenServer.seen.splice(0);
});
afterEach(() => {
  tokenServer.seen.splice(0);
  issued = [];
  tokenServer.assertDone();
});
afterAll(async () => {
  await reg?.stop();
  await tokenServer?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const tokenRequests = () => tokenServer.seen.filter((r) => r.path.startsWith('/token'));

function client(credential: Credential | undefined, extra: RegistryOptions = {}) {
  const lines: string[] = [];
  const c = createRegistry({ credentials: async (host) => (host === reg.host ? credential : undefined), log: (l) => lines.push(l), ...extra });
  return Object.assign(c, { lines });
}
const repo = (repository: string) => ({ registry: reg.host, repository });

test('anonymous pull: one token per scope, cached', async () => {
  const c = client(undefined);
  const m = await c.getManifest(repo('team/app'), '1');
  await c.getManifest(repo('team/app'), '1');
  await c.getBlob(repo('team/app'), (m.manifest as ImageManifest).config);
  expect(tokenRequests()).toHaveLength(1);
  expect(new URL(tokenRequests()[0]!.path, 'http://x').searchParams.getAll('scope')).toEqual(['repository:team/app:pull']);
  expect(tokenRequests()[0]!.headers.authorization).toBeUndefined();
  // Another repository is another scope.
  await expect(c.getManifest(repo('team/other'), '1')).rejects.toThrow(/not found/);
  expect(tokenRequests()).toHaveLength(2);
});

test('concurrent requests for one scope share one token request', async () => {
  const c = client(undefined);
  await Promise.all(Array.from({ length: 8 }, () => c.headManifest(repo('team/app'), '1')));
  expect(tokenRequests()).toHaveLength(1);
});

test('anonymous push is refused with one AuthError', async () => {
  const c = client(undefined);
  const m = await c.getManifest(repo('team/app'), '1');
  const err = (await c.putManifest(repo('team/app'), 'anon', m.bytes, m.mediaType).catch((e: unknown) => e)) as AuthError;
  expect(err).toBeInstanceOf(AuthError);
  expect(err.message).toMatch(new RegExp(`^${reg.host}/team/app:anon: not authorized \\(PUT .*: HTTP 401 UNAUTHORIZED\\)$`));
});

test('with credentials: token via Basic, push and cross-repository mount', async () => {
  const c = client({ username: USER, password: PASSWORD });
  const m = await c.getManifest(repo('team/app'), '1');
  const image = m.manifest as ImageManifest;
  for (const blob of [image.config, ...image.layers]) expect(await c.mountBlob(repo('team/copy'), blob.digest, repo('team/app'))).toBe(true);
  await c.putManifest(repo('team/copy'), '1', m.bytes, m.mediaType);
  expect(await c.listTags(repo('team/copy'))).toEqual(['1']);
  const scopes = tokenRequests().map((r) => new URL(r.path, 'http://x').searchParams.getAll('scope').sort().join(' '));
  expect(scopes).toContain('repository:team/app:pull repository:team/copy:pull,push');
  expect(tokenRequests().every((r) => r.headers.authorization === `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`)).toBe(true);
  const text = c.lines.join('\n');
  for (const s of [PASSWORD, ...issued]) expect(text).not.toContain(s);
});

test('an identity token is exchanged by OAuth2 POST', async () => {
  const c = client({ identityToken: REFRESH });
  const m = await c.getManifest(repo('team/app'), '1');
  await c.putManifest(repo('team/app'), 'oauth', m.bytes, m.mediaType);
  const posts = tokenServer.seen.filter((r) => r.method === 'POST');
  expect(posts.length).toBeGreaterThanOrEqual(2);
  const form = new URLSearchParams(posts.at(-1)!.body);
  expect(form.get('grant_type')).toBe('refresh_token');
  expect(form.get('service')).toBe(SERVICE);
  expect(form.get('scope')).toBe('repository:team/app:pull,push');
  for (const s of [REFRESH, ...issued]) expect(c.lines.join('\n')).not.toContain(s);
});

test('wrong credentials: the token service refuses, the error says so without the password', async () => {
  const c = client({ username: USER, password: 'wrong-pass-secret' });
  const err = (await c.getManifest(repo('team/app'), '1').catch((e: unknown) => e)) as AuthError;
  expect(err).toBeInstanceOf(AuthError);
  expect(err.message).toBe(`${reg.host}: token service rejected the credentials (HTTP 401)`);
  expect(`${err.message} ${err.url} ${c.lines.join(' ')}`).not.toContain('wrong-pass-secret');
  // Rejected credentials are not retried.
  expect(tokenRequests()).toHaveLength(1);
});

test('tokens expire by the clock: a new one after expires_in', async () => {
  let now = Date.now();
  const c = client(undefined, { now: () => now });
  await c.headManifest(repo('team/app'), '1');
  now += 200_000;
  await c.headManifest(repo('team/app'), '1');
  expect(tokenRequests()).toHaveLength(1);
  now += 100_000;
  await c.headManifest(repo('team/app'), '1');
  expect(tokenRequests()).toHaveLength(2);
});

test('a token the registry refuses is replaced once', async () => {
  const c = client(undefined);
  // expires_in says 300 s, but the token expired two minutes ago (beyond the registry's leeway).
  nextLifetime = -120;
  expect((await c.headManifest(repo('team/app'), '1'))?.digest).toMatch(/^sha256:/);
  expect(tokenRequests()).toHaveLength(2);
  // The fresh token is cached.
  await c.headManifest(repo('team/app'), '1');
  expect(tokenRequests()).toHaveLength(2);
});
