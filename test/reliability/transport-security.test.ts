/**
 * How the commands reach registries (src/registry/endpoint.ts is the contract):
 * - TLS certificates are verified unless `--insecure HOST` names the registry (or the CA is trusted);
 * - a registry named by a non-loopback host is reached over HTTPS; plain HTTP needs
 *   `--plain-http HOST[:PORT]` (bare `--plain-http` means mirror's --registry), or an
 *   `--upstream NAME=http://…` URL, whose scheme is the user's explicit choice for NAME;
 * - a redirect to plain HTTP is followed only to loopback, a --plain-http host or an http upstream.
 * The non-loopback name is this machine's hostname when /etc/hosts maps it to 127.0.0.1, so no
 * request ever leaves the loopback interface; elsewhere those tests are skipped.
 */
import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isLoopback } from '../../src/reference.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { seed } from '../support/seed.js';
import { startTlsFront, type TlsFront } from './tls-proxy.js';
import { assertTagsComplete, cli, skopeoDigest, skopeoRaw, workdir, type CliRun } from './support.js';

let source: RunningRegistry;
let digest: string;
const stopped: Array<{ stop(): Promise<void> }> = [];

beforeAll(async () => {
  source = await startRegistry();
  stopped.push(source);
  await seed(source.host, [
    { name: 'library/app:1', platforms: ['linux/amd64', 'linux/arm64'] },
    { name: 'library/solo:1', platforms: ['linux/arm64'], single: true },
  ]);
  digest = await skopeoDigest(`${source.host}/library/app:1`);
}, 120_000);
afterAll(async () => {
  for (const s of stopped.reverse()) await s.stop();
});

async function fresh(): Promise<RunningRegistry> {
  const r = await startRegistry();
  stopped.push(r);
  return r;
}

const oneImage = (r: CliRun): { status: string; error: string | null; digest: string | null } => JSON.parse(r.stdout).images[0];
const noTrace = (r: CliRun): void => expect(r.stderr).not.toMatch(/^\s+at /m);

describe('TLS is verified by default', () => {
  let tls: TlsFront;
  const REF = 'tls.test/library/app:1';
  beforeAll(async () => {
    tls = await startTlsFront(source.url);
    stopped.push(tls);
  });
  const audit = (extra: string[], env: Record<string, string> = {}) =>
    cli(['audit', '--image', REF, '--json', '--upstream', `tls.test=${tls.url}`, ...extra], { cwd: workdir('tls'), env });

  test('audit: a self-signed certificate fails with one clear line and no request sent; --insecure HOST or a trusted CA accepts it', async () => {
    const refused = await audit([]);
    noTrace(refused);
    expect(refused.code).toBe(0);
    const image = oneImage(refused);
    expect(image.status).toBe('error');
    expect(image.error).toBe(`tls.test: network error (GET ${tls.url}/v2/: DEPTH_ZERO_SELF_SIGNED_CERT)`);
    expect(tls.requests).toBe(0);

    // --insecure for another host changes nothing.
    expect(oneImage(await audit(['--insecure', 'other.test'])).status).toBe('error');
    expect(tls.requests).toBe(0);

    expect(oneImage(await audit(['--insecure', 'tls.test']))).toMatchObject({ status: 'ok', digest });
    expect(tls.requests).toBeGreaterThan(0);
    // Verification is real, not a blanket refusal of TLS: the same server passes once its CA is trusted.
    expect(oneImage(await audit([], { NODE_EXTRA_CA_CERTS: tls.certFile }))).toMatchObject({ status: 'ok', digest });
  });

  test('mirror: refused from a self-signed source (exit 1, one line), copied with --insecure HOST', async () => {
    const target = await fresh();
    const dir = workdir('tls-mirror');
    const args = ['mirror', '--registry', target.host, '--image', REF, '--upstream', `tls.test=${tls.url}`];
    const refused = await cli(args, { cwd: dir });
    noTrace(refused);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`  ${REF}: tls.test: network error (GET ${tls.url}/v2/: DEPTH_ZERO_SELF_SIGNED_CERT)\n`);
    expect(await assertTagsComplete(target.host)).toEqual([]);

    const copied = await cli([...args, '--insecure', 'tls.test'], { cwd: dir });
    expect(copied.code).toBe(0);
    expect(await assertTagsComplete(target.host)).toEqual(['tls.test/library/app:1']);
    expect(await skopeoDigest(`${target.host}/tls.test/library/app:1`)).toBe(digest);
  });
});

/** This machine's hostname, when it is not a loopback name but resolves to 127.0.0.1 from /etc/hosts. */
async function loopbackAlias(): Promise<string | undefined> {
  const name = hostname().toLowerCase();
  if (isLoopback(name) || !/^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(name)) return undefined;
  try {
    return (await lookup(name, { family: 4 })).address === '127.0.0.1' ? name : undefined;
  } catch {
    return undefined;
  }
}

const alias = await loopbackAlias();

describe.skipIf(alias === undefined)(`plain HTTP to a non-loopback name (${alias ?? 'no hostname mapped to 127.0.0.1'})`, () => {
  let proxy: FaultProxy;
  let named: string;
  beforeAll(async () => {
    proxy = await startFaultProxy(source.url);
    stopped.push(proxy);
    named = `${alias}:${proxy.host.split(':')[1]}`;
  });
  const audit = (ref: string, extra: string[]) => cli(['audit', '--image', ref, '--json', ...extra], { cwd: workdir('plain') });

  test('a source: HTTPS by default (nothing sent in clear text), plain HTTP with --plain-http HOST:PORT or an http:// --upstream', async () => {
    proxy.requests.splice(0);
    const refused = await audit(`${named}/library/app:1`, []);
    noTrace(refused);
    const image = oneImage(refused);
    expect(image.status).toBe('error');
    expect(image.error).toMatch(new RegExp(`^${named}: network error \\(GET https://${named}/v2/: ERR_SSL_[A-Z_]+\\)$`));
    expect(proxy.requests).toEqual([]);

    expect(oneImage(await audit(`${named}/library/app:1`, ['--plain-http', named]))).toMatchObject({ status: 'ok', digest });
    expect(oneImage(await audit('private.example/library/app:1', ['--upstream', `private.example=http://${named}`]))).toMatchObject({ status: 'ok', digest });
  });

  test('mirror\'s target: HTTPS by default, nothing pushed; bare --plain-http means the target', async () => {
    const target = await fresh();
    const front = await startFaultProxy(target.url);
    stopped.push(front);
    const registry = `${alias}:${front.host.split(':')[1]}`;
    const args = ['mirror', '--registry', registry, '--image', 'docker.io/library/app:1', '--upstream', `docker.io=${source.url}`];
    const dir = workdir('plain-mirror');
    const refused = await cli(args, { cwd: dir });
    noTrace(refused);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`^ {2}docker\\.io/library/app:1: ${registry}: network error \\(\\w+ https://${registry}/v2/: ERR_SSL_[A-Z_]+\\)$`, 'm'));
    expect(front.requests).toEqual([]);

    const copied = await cli([...args, '--plain-http'], { cwd: dir });
    expect(copied.code).toBe(0);
    expect(await assertTagsComplete(target.host)).toEqual(['docker.io/library/app:1']);
  });

  test('a redirect to plain HTTP on that name: refused, followed with --plain-http HOST:PORT', async () => {
    const solo = await skopeoRaw(`${source.host}/library/solo:1`);
    const redirected = `${alias}:${proxy.otherHost.split(':')[1]}`;
    proxy.clearFaults();
    proxy.fault({ method: 'GET', path: /\/blobs\/sha256:/, fault: { redirect: `http://${redirected}` } });
    proxy.requests.splice(0);
    try {
      const args = ['--upstream', `docker.io=${proxy.url}`];
      const refused = oneImage(await audit('docker.io/library/solo:1', args));
      expect(refused.error).toBe(`docker.io/library/solo@${solo.config.digest}: redirect to http://${redirected}/v2/library/solo/blobs/${solo.config.digest} refused (plain HTTP not allowed there)`);
      expect(proxy.requests.filter((r) => r.listener === 'other')).toEqual([]);
      expect(oneImage(await audit('docker.io/library/solo:1', [...args, '--plain-http', redirected])).status).toBe('ok');
      expect(proxy.requests.filter((r) => r.listener === 'other').map((r) => r.path)).toEqual([`/v2/library/solo/blobs/${solo.config.digest}`]);
    } finally {
      proxy.clearFaults();
    }
  });
});
