/** TLS is verified by default and skipped only for hosts listed as insecure. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { RegistryError } from '../../src/errors.js';
import { createRegistry } from '../../src/registry/client.js';
import { anonymous } from '../../src/registry/credentials.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { seed } from '../support/seed.js';

let dir: string;
let reg: RunningRegistry;
let front: Server;
let secureUrl: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ampere-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  reg = await startRegistry();
  await seed(reg.host, [{ name: 'x/app:1', platforms: ['linux/arm64'], single: true }]);
  // A TLS front with a self-signed certificate, forwarding to the real registry.
  const upstream = new URL(reg.url);
  front = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
    const out = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    req.pipe(out);
  });
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  secureUrl = `https://127.0.0.1:${(front.address() as AddressInfo).port}`;
});
afterAll(async () => {
  front?.closeAllConnections();
  await new Promise((r) => front?.close(r));
  await reg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const app = { registry: 'secure.test', repository: 'x/app' };

test('an unverifiable certificate fails at once with one clear error', async () => {
  const c = createRegistry({ credentials: anonymous, upstreams: { 'secure.test': secureUrl } });
  const err = (await c.getManifest(app, '1').catch((e: unknown) => e)) as RegistryError;
  expect(err).toBeInstanceOf(RegistryError);
  // A failure of the host as a whole names the host.
  expect(err.message).toBe(`secure.test: network error (GET ${secureUrl}/v2/: DEPTH_ZERO_SELF_SIGNED_CERT)`);
  expect(err.transient).toBe(false);
  expect(c.stats.retries).toBe(0);
  await c.close();
});

test('--insecure for that host skips verification', async () => {
  const c = createRegistry({ credentials: anonymous, upstreams: { 'secure.test': secureUrl }, insecure: ['secure.test'] });
  expect((await c.getManifest(app, '1')).manifest.kind).toBe('image');
  await c.close();
});
