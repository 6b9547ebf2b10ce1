/**
 * Every command run as a user would, with a Docker config holding known secrets, against a real
 * htpasswd registry behind the fault proxy (which records every request's headers). All stdout,
 * stderr and written files are searched for each secret and its base64 forms; the request logs
 * show that Authorization only ever went to the host it belongs to.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { seed } from '../support/seed.js';
import { allFileText, assertTagsComplete, cli, secretForms, workdir, type CliRun } from './support.js';

const USER = 'reluser';
/** The registry's password: may go to the proxy's host as Basic auth, nowhere else, never printed. */
const SECRET = 'Pa55-rel-7f3c9a-known-secret';
/** Docker Hub's entry in the same config: docker.io is mapped to a mirror, so it must never travel. */
const HUB_SECRET = 'Hub-6d1e-never-sent-anywhere';
/** A wrong password, for the failing runs: refused, and never printed either. */
const WRONG = 'Wr0ng-b4e2-also-secret-value';
const basic = (u: string, p: string): string => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

const APP = 'docker.io/private/app:1';
const TOOL = 'docker.io/private/tool:1';

let secretsDir: string;
let project: string;
let authReg: RunningRegistry;
let proxy: FaultProxy;
let plainTarget: RunningRegistry;
let plainProxy: FaultProxy;
const outputs: string[] = [];

/** A DOCKER_CONFIG folder (outside the project) with these auths entries. */
function dockerConfig(name: string, auths: Record<string, string>): string {
  const dir = join(secretsDir, name);
  mkdirSync(dir, { recursive: true });
  const entries = Object.fromEntries(Object.entries(auths).map(([host, cred]) => [host, { auth: Buffer.from(cred).toString('base64') }]));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: entries }));
  return dir;
}

async function run(args: string[], config: string): Promise<CliRun> {
  const r = await cli(args, { cwd: project, env: { DOCKER_CONFIG: config } });
  outputs.push(`$ ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  return r;
}

let good: string;
let wrong: string;
const upstream = (): string[] => ['--upstream', `docker.io=${proxy.url}`];

beforeAll(async () => {
  secretsDir = workdir('secrets');
  writeFileSync(join(secretsDir, 'htpasswd'), `${USER}:${bcrypt.hashSync(SECRET, bcrypt.genSaltSync(4))}\n`);
  authReg = await startRegistry({
    env: { REGISTRY_AUTH: 'htpasswd', REGISTRY_AUTH_HTPASSWD_REALM: 'rel', REGISTRY_AUTH_HTPASSWD_PATH: join(secretsDir, 'htpasswd') },
  });
  // The other listener stands in for object storage with a pre-signed URL: it adds its own grant.
  proxy = await startFaultProxy(authReg.url, { otherHeaders: { authorization: basic(USER, SECRET) } });
  await seed(authReg.host, [
    { name: 'private/app:1', platforms: ['linux/amd64', 'linux/arm64'] },
    { name: 'private/tool:1', platforms: ['linux/amd64'], single: true },
  ], ['--dest-creds', `${USER}:${SECRET}`]);
  plainTarget = await startRegistry();
  plainProxy = await startFaultProxy(plainTarget.url);
  good = dockerConfig('good', { [proxy.host]: `${USER}:${SECRET}`, 'https://index.docker.io/v1/': `hubuser:${HUB_SECRET}` });
  wrong = dockerConfig('wrong', { [proxy.host]: `${USER}:${WRONG}`, 'https://index.docker.io/v1/': `hubuser:${HUB_SECRET}` });

  project = workdir('project');
  mkdirSync(join(project, 'manifests', 'web'), { recursive: true });
  writeFileSync(join(project, 'stack.yaml'), `components:\n  - name: web\n    manifests: [manifests/web]\n    images:\n      - ref: ${TOOL}\n`);
  writeFileSync(join(project, 'manifests', 'web', 'web.yaml'), [
    'apiVersion: apps/v1', 'kind: Deployment', 'metadata: {name: web, namespace: shop}', 'spec:', '  template:', '    spec:',
    '      containers:', `        - name: web`, `          image: ${APP}`, '',
  ].join('\n'));
}, 120_000);

afterAll(async () => {
  await Promise.all([proxy?.stop(), plainProxy?.stop()]);
  await Promise.all([authReg?.stop(), plainTarget?.stop()]);
  for (const d of [secretsDir, project]) if (d) rmSync(d, { recursive: true, force: true });
});

describe('a known secret in the Docker config', () => {
  test('images, audit, mirror, rewrite, install --dry-run and diff work with it', async () => {
    expect((await run(['images', '--stack', 'stack.yaml', '--json'], good)).code).toBe(0);

    const audit = await run(['audit', '--stack', 'stack.yaml', '--json', '--verbose', '--output', 'audit-1.json', '--matrix', 'matrix/support.json', ...upstream()], good);
    expect(audit.code).toBe(0);
    const report = JSON.parse(readFileSync(join(project, 'audit-1.json'), 'utf8'));
    expect(report.images.map((i: { status: string }) => i.status)).toEqual(['ok', 'ok']);

    // Pull from, and push to, the registry that needs the password.
    const mirror = await run(['mirror', '--registry', proxy.host, '--stack', 'stack.yaml', '--verbose', ...upstream()], good);
    expect(mirror.code).toBe(0);
    expect(proxy.requests.some((r) => r.method === 'PUT' && r.headers.authorization === basic(USER, SECRET))).toBe(true);

    expect((await run(['rewrite', '--lock', 'mirror.lock.json', '--manifests', 'manifests', '--out', 'rewritten'], good)).code).toBe(0);
    const install = await run(['install', '--dry-run', '--stack', 'stack.yaml', '--lock', 'mirror.lock.json', '--manifests', 'rewritten',
      '--root', 'node', '--kubeconfig', 'node/kubeconfig', '--kubernetes-version', 'v1.31.2'], good);
    expect(install.code).toBe(0);
    expect(install.stdout).toContain(proxy.host);

    const refused = await run(['audit', '--stack', 'stack.yaml', '--json', '--verbose', '--output', 'audit-2.json', ...upstream()], wrong);
    expect(refused.code).toBe(0);
    expect((await run(['diff', 'audit-1.json', 'audit-2.json'], good)).code).toBe(0);
  });

  test('failing runs: wrong password, unreachable host', async () => {
    const audit = await run(['audit', '--image', APP, '--json', '--verbose', ...upstream()], wrong);
    const image = JSON.parse(audit.stdout).images[0];
    expect(image.status).toBe('unauthorized');
    expect(image.error).toMatch(/^docker\.io\/private\/app:1: not authorized \(GET http:\/\/127\.0\.0\.1:\d+\/v2\/private\/app\/manifests\/1: HTTP 401 UNAUTHORIZED\)$/);

    const mirror = await run(['mirror', '--registry', plainTarget.host, '--image', APP, '--lock', 'wrong.lock.json', '--verbose', ...upstream()], wrong);
    expect(mirror.code).toBe(1);
    expect(mirror.stderr).toMatch(/^ {2}docker\.io\/private\/app:1: not authorized \(GET .*HTTP 401 UNAUTHORIZED\)$/m);

    // Credentials stored for an address nothing listens on: a network error, the secret stays put.
    const gone = dockerConfig('unreachable', { '127.0.0.1:1': `${USER}:${SECRET}` });
    const down = await run(['audit', '--image', APP, '--json', '--verbose', '--upstream', 'docker.io=http://127.0.0.1:1'], gone);
    expect(JSON.parse(down.stdout).images[0].error).toMatch(/network error \(GET http:\/\/127\.0\.0\.1:1\/v2\/: ECONNREFUSED\)/);
    const downMirror = await run(['mirror', '--registry', plainTarget.host, '--image', APP, '--lock', 'down.lock.json', '--upstream', 'docker.io=http://127.0.0.1:1'], gone);
    expect(downMirror.code).toBe(1);
  });

  test('blobs redirected to another host:port: followed without Authorization there; the target gets none either', async () => {
    proxy.fault({ method: 'GET', path: /\/blobs\/sha256:/, fault: { redirect: 'other' } });
    try {
      const audit = await run(['audit', '--stack', 'stack.yaml', '--json', '--verbose', ...upstream()], good);
      expect(JSON.parse(audit.stdout).images.map((i: { status: string }) => i.status)).toEqual(['ok', 'ok']);
      const mirror = await run(['mirror', '--registry', plainProxy.host, '--stack', 'stack.yaml', '--lock', 'plain.lock.json', '--verbose', ...upstream()], good);
      expect(mirror.code).toBe(0);
    } finally {
      proxy.clearFaults();
    }
    expect(proxy.requests.filter((r) => r.listener === 'other').length).toBeGreaterThan(2);
    await assertTagsComplete(plainTarget.host);
  });

  test('Authorization went only to the host it belongs to', () => {
    const main = proxy.requests.filter((r) => r.listener === 'main' && r.headers.authorization !== undefined);
    expect(main.length).toBeGreaterThan(0);
    const allowed = new Set([basic(USER, SECRET), basic(USER, WRONG)]);
    expect(main.filter((r) => !allowed.has(r.headers.authorization!))).toEqual([]);
    expect(proxy.requests.filter((r) => r.listener === 'other' && r.headers.authorization !== undefined)).toEqual([]);
    expect(plainProxy.requests.length).toBeGreaterThan(0);
    expect(plainProxy.requests.filter((r) => r.headers.authorization !== undefined)).toEqual([]);
    const headers = [...proxy.requests, ...plainProxy.requests].map((r) => JSON.stringify(r.headers)).join('\n');
    for (const form of secretForms(HUB_SECRET)) expect(headers).not.toContain(form);
  });

  test('no secret, nor any base64 form of it, in any output or written file', () => {
    expect(outputs.length).toBeGreaterThanOrEqual(13);
    const text = `${outputs.join('\n')}\n${allFileText(project)}`;
    // The scan would find them: the files hold the registry host and the image digests.
    expect(text).toContain(proxy.host);
    for (const secret of [SECRET, HUB_SECRET, WRONG]) {
      for (const form of secretForms(secret)) expect(text, `"${form}" (a form of a secret) leaked`).not.toContain(form);
    }
  });

  test('the base64 forms are real: each is found inside the Authorization value of its secret', () => {
    for (const secret of [SECRET, WRONG]) {
      const header = basic(USER, secret);
      expect(secretForms(secret).some((f) => header.includes(f))).toBe(true);
    }
  });
});
