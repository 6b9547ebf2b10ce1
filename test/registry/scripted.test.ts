/** Conversations a real registry will not hold, with a scripted server; each script must be used up. */
import { createHash } from 'node:crypto';
import { afterEach, expect, test } from 'vitest';
import { AuthError, DigestMismatch, RegistryError } from '../../src/errors.js';
import { MediaType } from '../../src/manifest.js';
import { createRegistry } from '../../src/registry/client.js';
import { anonymous } from '../../src/registry/credentials.js';
import { startScriptedServer, type ScriptedServer, type ScriptStep } from '../support/scripted-server.js';

let srv: ScriptedServer | undefined;
afterEach(async () => {
  await srv?.stop();
  srv = undefined;
});

const sha256 = (b: string | Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const OPEN: ScriptStep = { method: 'GET', path: '/v2/', reply: { status: 200, body: {} } };

async function serve(steps: ScriptStep[]) {
  srv = await startScriptedServer(steps);
  return { srv, repo: { registry: srv.host, repository: 'x/app' }, client: createRegistry({ credentials: anonymous, backoff: { baseMs: 1 } }) };
}

test('schema 1 manifests are recognised', async () => {
  const body = JSON.stringify({ schemaVersion: 1, name: 'x/app', tag: 'old', architecture: 'arm64', fsLayers: [], history: [] });
  const { srv, repo, client } = await serve([OPEN, {
    method: 'GET', path: '/v2/x/app/manifests/old',
    reply: { status: 200, headers: { 'content-type': MediaType.DockerSchema1Signed, 'docker-content-digest': sha256(body) }, body },
  }]);
  const m = await client.getManifest(repo, 'old');
  expect(m.manifest).toEqual({ kind: 'legacy', mediaType: MediaType.DockerSchema1Signed, architecture: 'arm64' });
  expect(srv.seen[1]!.headers.accept).toBe([MediaType.OciIndex, MediaType.DockerList, MediaType.OciManifest, MediaType.DockerManifest, MediaType.DockerSchema1Signed, MediaType.DockerSchema1].join(', '));
  srv.assertDone();
});

test('a manifest over 4 MiB is refused from its Content-Length, before reading', async () => {
  const big = Buffer.alloc(4 * 1024 * 1024 + 1, 32);
  const { srv, repo, client } = await serve([OPEN, { method: 'GET', path: '/v2/x/app/manifests/big', reply: { status: 200, headers: { 'content-type': MediaType.OciManifest }, body: big } }]);
  await expect(client.getManifest(repo, 'big')).rejects.toThrow(`${srv.host}/x/app:big: response larger than 4194304 bytes, refused`);
  expect(client.stats.bytesIn).toBe(0);
  srv.assertDone();
});

test('a manifest whose bytes differ from Docker-Content-Digest is refused', async () => {
  const body = JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] });
  const { srv, repo, client } = await serve([OPEN, {
    method: 'GET', path: '/v2/x/app/manifests/1',
    reply: { status: 200, headers: { 'content-type': MediaType.OciIndex, 'docker-content-digest': sha256('other') }, body },
  }]);
  await expect(client.getManifest(repo, '1')).rejects.toBeInstanceOf(DigestMismatch);
  srv.assertDone();
});

test('HEAD without Docker-Content-Digest falls back to GET and hashes', async () => {
  const body = JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] });
  const { srv, repo, client } = await serve([OPEN,
    { method: 'HEAD', path: '/v2/x/app/manifests/1', reply: { status: 200, headers: { 'content-type': MediaType.OciIndex } } },
    { method: 'GET', path: '/v2/x/app/manifests/1', reply: { status: 200, headers: { 'content-type': MediaType.OciIndex }, body } },
  ]);
  expect(await client.headManifest(repo, '1')).toEqual({ digest: sha256(body), mediaType: MediaType.OciIndex, size: body.length });
  srv.assertDone();
});

test('tags: Link pagination, relative and absolute, and "tags": null', async () => {
  let base = '';
  const { srv, repo, client } = await serve([OPEN,
    { method: 'GET', path: '/v2/x/app/tags/list', reply: { status: 200, headers: { link: '</v2/x/app/tags/list?last=b&n=2>; rel="next"' }, body: { tags: ['a', 'b'] } } },
    { method: 'GET', path: '/v2/x/app/tags/list?last=b&n=2', reply: () => ({ status: 200, headers: { link: `<${base}/v2/x/app/tags/list?last=d&n=2>; rel=next` }, body: { tags: ['c', 'd'] } }) },
    { method: 'GET', path: '/v2/x/app/tags/list?last=d&n=2', reply: { status: 200, body: { name: 'x/app', tags: ['e'] } } },
    { method: 'GET', path: '/v2/x/empty/tags/list', reply: { status: 200, body: { name: 'x/empty', tags: null } } },
  ]);
  base = srv.url;
  expect(await client.listTags(repo)).toEqual(['a', 'b', 'c', 'd', 'e']);
  expect(await client.listTags({ registry: srv.host, repository: 'x/empty' })).toEqual([]);
  srv.assertDone();
});

test('a challenge with its own realm and scope: the token is fetched again with that scope added', async () => {
  const scopesOf = (path: string) => new URL(path, 'http://x').searchParams.getAll('scope').join('|');
  const { srv, repo, client } = await serve([
    { method: 'GET', path: '/v2/', reply: () => ({ status: 401, headers: { 'www-authenticate': `Bearer realm="${srv.url}/token1",service="svc, with comma"` } }) },
    { method: 'GET', path: /^\/token1\?/, reply: (req) => ({ status: 200, body: { token: `t1:${new URL(req.path, 'http://x').searchParams.get('service')}` } }) },
    { method: 'GET', path: '/v2/x/app/tags/list', reply: () => ({ status: 401, headers: { 'www-authenticate': `Bearer realm="${srv.url}/token2",service="svc",scope="repository:x/app:pull,metadata_read",error="insufficient_scope"` } }) },
    { method: 'GET', path: /^\/token2\?/, reply: (req) => ({ status: 200, body: { token: scopesOf(req.path) } }) },
    { method: 'GET', path: '/v2/x/app/tags/list', reply: (req) => ({ status: req.headers.authorization === 'Bearer repository:x/app:pull|repository:x/app:pull,metadata_read' ? 200 : 403, body: { tags: ['1'] } }) },
  ]);
  expect(await client.listTags(repo)).toEqual(['1']);
  expect(srv.seen[2]!.headers.authorization).toBe('Bearer t1:svc, with comma');
  srv.assertDone();
});

test('challenges in separate WWW-Authenticate fields are all read: Bearer is found after Basic', async () => {
  // RFC 9110 §11.6.1: a server may send several challenges in one field or in several fields.
  const { srv, repo, client } = await serve([
    { method: 'GET', path: '/v2/', reply: () => ({ status: 401, headers: { 'www-authenticate': ['Basic realm="r"', `Bearer realm="${srv.url}/token",service="svc"`] } }) },
    { method: 'GET', path: /^\/token\?/, reply: { status: 200, body: { token: 'anon' } } },
    { method: 'GET', path: '/v2/x/app/tags/list', reply: (req) => ({ status: req.headers.authorization === 'Bearer anon' ? 200 : 401, body: { tags: ['1'] } }) },
  ]);
  expect(await client.listTags(repo)).toEqual(['1']);
  srv.assertDone();
});

test('an unreachable token realm: bounded retries, one clear error', async () => {
  const { srv, repo, client } = await serve([
    { method: 'GET', path: '/v2/', reply: { status: 401, headers: { 'www-authenticate': 'Bearer realm="http://127.0.0.1:1/token"' } } },
  ]);
  const err = (await client.getManifest(repo, '1').catch((e: unknown) => e)) as RegistryError;
  expect(err).toBeInstanceOf(RegistryError);
  expect(err.message).toBe(`${srv.host}: token service: network error (GET http://127.0.0.1:1/token?scope=repository%3Ax%2Fapp%3Apull: ECONNREFUSED)`);
  expect(client.stats.retries).toBe(4);
  srv.assertDone();
});

test('a plain-HTTP token realm on a non-loopback host gets no credentials', async () => {
  const { srv, repo } = await serve([
    { method: 'GET', path: '/v2/', reply: { status: 401, headers: { 'www-authenticate': 'Bearer realm="http://auth.example/token",service="s"' } } },
  ]);
  const client = createRegistry({ credentials: async () => ({ username: 'u', password: 'p' }) });
  await expect(client.getManifest(repo, '1')).rejects.toThrow(`${srv.host}: token realm http://auth.example/token is plain HTTP on a host not allowed plain HTTP`);
  await expect(client.getManifest(repo, '1')).rejects.toBeInstanceOf(AuthError);
  srv.assertDone();
});

test('a token service answering garbage is one clear AuthError', async () => {
  const { srv, repo, client } = await serve([
    { method: 'GET', path: '/v2/', reply: () => ({ status: 401, headers: { 'www-authenticate': `Bearer realm="${srv.url}/token"` } }) },
    { method: 'GET', path: /^\/token/, reply: { status: 200, body: '<html>login</html>' } },
  ]);
  await expect(client.getManifest(repo, '1')).rejects.toThrow(`${srv.host}: token service answer is not JSON`);
  srv.assertDone();
});

test('a tag list that is not JSON is one clear error naming the repository', async () => {
  const { srv, repo, client } = await serve([OPEN, { method: 'GET', path: '/v2/x/app/tags/list', reply: { status: 200, body: 'nope' } }]);
  await expect(client.listTags(repo)).rejects.toThrow(`${srv.host}/x/app: tag list is not JSON`);
  srv.assertDone();
});
