/**
 * Limits, through the built CLI: manifests over 4 MiB are refused (as the distribution registry
 * refuses to store them), index nesting is bounded (a chain of 10 indexes; an index whose child
 * answers with the parent's own bytes), a blob longer than its descriptor is cut off, and a
 * registry that stalls is timed out by --timeout within a bounded time. Each time the image fails
 * with one line, the others go through, and nothing incomplete is tagged in the target.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startFaultProxy, type FaultProxy, type FaultRule } from '../support/fault-proxy.js';
import { registryFleet, type RunningRegistry } from '../support/registry.js';
import { seed } from '../support/seed.js';
import { assertTagsComplete, assertTreeComplete, blobExists, cli, listTags, skopeoDigest, skopeoRaw, workdir, type CliRun } from './support.js';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const MAX = 4 * 1024 * 1024;
const BIG = 256 * 1024;

let source: RunningRegistry;
let proxy: FaultProxy;
let appIndex: string;
let bigLayer: { digest: string; size: number };
let soloConfig: { digest: string; size: number };
/** Tag -> digest of the pushed index chains. */
const chains = new Map<string, { digest: string; bytes: string; child: string }>();
const fleet = registryFleet();

/** PUT a manifest with plain fetch (not our client): the registry checks that its children exist. */
async function putManifest(repo: string, reference: string, body: string): Promise<string> {
  const res = await fetch(`${source.url}/v2/${repo}/manifests/${reference}`, { method: 'PUT', headers: { 'content-type': OCI_INDEX }, body });
  if (res.status !== 201) throw new Error(`PUT ${repo}:${reference}: HTTP ${res.status} ${await res.text()}`);
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

/** index(level n) -> index(level n-1) -> … -> app:1's real index; tagged chain<n>. */
async function pushChain(levels: number): Promise<void> {
  let child = { digest: await skopeoDigest(`${source.host}/library/app:1`), size: Buffer.byteLength(appIndex) };
  let bytes = '';
  let digest = '';
  let below = '';
  for (let n = 1; n <= levels; n++) {
    bytes = JSON.stringify({
      schemaVersion: 2, mediaType: OCI_INDEX,
      manifests: [{ mediaType: OCI_INDEX, ...child, platform: { os: 'linux', architecture: 'arm64' } }],
    });
    below = child.digest;
    digest = await putManifest('library/app', n === levels ? `chain${levels}` : `level${n}-of-${levels}`, bytes);
    child = { digest, size: Buffer.byteLength(bytes) };
  }
  chains.set(`chain${levels}`, { digest, bytes, child: below });
}

beforeAll(async () => {
  source = await fleet.start();
  await seed(source.host, [
    { name: 'library/app:1', platforms: ['linux/amd64', 'linux/arm64'], layers: (p) => [{ key: `limits ${p}` }, { key: `limits big ${p}`, size: BIG, plain: true }] },
    { name: 'library/solo:1', platforms: ['linux/arm64'], single: true },
  ]);
  const index = await skopeoRaw(`${source.host}/library/app:1`);
  // The registry's exact bytes, for sizes and padding.
  appIndex = await (await fetch(`${source.url}/v2/library/app/manifests/1`, { headers: { accept: OCI_INDEX } })).text();
  const amd64 = await skopeoRaw(`${source.host}/library/app@${index.manifests[0].digest}`);
  bigLayer = amd64.layers[1];
  soloConfig = (await skopeoRaw(`${source.host}/library/solo:1`)).config;
  await pushChain(2);
  await pushChain(10);
  proxy = await startFaultProxy(source.url);
}, 120_000);

afterAll(async () => {
  await proxy?.stop();
  await fleet.stopAll();
});

interface AuditImage { ref: string; status: string; error: string | null; platforms: string[] }

async function audit(refs: string[], extra: string[] = []): Promise<{ run: CliRun; images: AuditImage[] }> {
  const run = await cli(['audit', '--image', ...refs, '--json', '--upstream', `docker.io=${proxy.url}`, ...extra], { cwd: workdir('limits') });
  expect(run.stderr).not.toMatch(/^\s+at /m);
  return { run, images: (JSON.parse(run.stdout) as { images: AuditImage[] }).images };
}

/** Mirror `refs`; the failures' one-line messages by source. */
async function mirror(refs: string[], extra: string[] = [], dir = workdir('limits-mirror')) {
  const target = await fleet.start();
  const run = await cli(['mirror', '--registry', target.host, '--image', ...refs, '--upstream', `docker.io=${proxy.url}`, ...extra], { cwd: dir });
  expect(run.stderr).not.toMatch(/^\s+at /m);
  const failures = new Map(run.stderr.split('\n').filter((l) => /^ {2}\S+: /.test(l)).map((l) => {
    const [ref = '', ...rest] = l.trim().split(': ');
    return [ref, rest.join(': ')] as const;
  }));
  return { run, target, failures, dir };
}

/** A valid index (app:1's entries) padded by an annotation to exactly `size` bytes. */
function paddedIndex(size: number): string {
  const doc = JSON.parse(appIndex) as Record<string, unknown>;
  const base = JSON.stringify({ ...doc, annotations: { pad: '' } });
  return JSON.stringify({ ...doc, annotations: { pad: 'x'.repeat(size - Buffer.byteLength(base)) } });
}

const APP_TAG = /^\/v2\/library\/app\/manifests\/1$/;
const serve = (body: string, declared: boolean, contentType = OCI_INDEX): FaultRule['fault'] => ({
  status: 200, body, headers: { 'content-type': contentType, ...(declared ? { 'content-length': String(Buffer.byteLength(body)) } : {}) },
});

describe('manifest size', () => {
  test.each([
    ['with Content-Length', true],
    ['streamed without Content-Length', false],
  ])('a manifest of 4 MiB + 1 byte is refused (%s); one of 4 MiB - 1 KiB is read', async (_how, declared) => {
    proxy.arm([{ method: 'GET', path: APP_TAG, fault: serve(paddedIndex(MAX + 1), declared) }]);
    const big = await audit(['docker.io/library/app:1', 'docker.io/library/solo:1']);
    expect(big.images.map((i) => i.status)).toEqual(['error', 'ok']);
    expect(big.images[0]!.error).toBe(`docker.io/library/app:1: response larger than ${MAX} bytes, refused`);
    const m = await mirror(['docker.io/library/app:1', 'docker.io/library/solo:1']);
    expect(m.run.code).toBe(1);
    expect(m.failures.get('docker.io/library/app:1')).toBe(`response larger than ${MAX} bytes, refused`);
    expect(await assertTagsComplete(m.target.host)).toEqual(['docker.io/library/solo:1']);

    proxy.arm([{ method: 'GET', path: APP_TAG, fault: serve(paddedIndex(MAX - 1024), declared) }]);
    const near = await audit(['docker.io/library/app:1']);
    expect(near.images[0]).toMatchObject({ status: 'ok', platforms: ['linux/amd64', 'linux/arm64'] });
  });
});

describe('index nesting', () => {
  test('a chain of 2 indexes above the image index is followed; a chain of 10 fails that image only', async () => {
    proxy.arm([]);
    const { images } = await audit(['docker.io/library/app:chain2', 'docker.io/library/app:chain10', 'docker.io/library/solo:1']);
    expect(images.map((i) => [i.ref, i.status, i.error])).toEqual([
      ['docker.io/library/app:chain10', 'error', 'indexes nested deeper than 3 levels'],
      ['docker.io/library/app:chain2', 'ok', null],
      ['docker.io/library/solo:1', 'ok', null],
    ]);
    // Bounded work: the top and at most four levels below it.
    expect(proxy.requests.filter((r) => r.path.includes('/manifests/')).length).toBeLessThanOrEqual(2 + 5 + 1);

    const m = await mirror(['docker.io/library/app:chain2', 'docker.io/library/app:chain10']);
    expect(m.run.code).toBe(1);
    expect([...m.failures]).toEqual([['docker.io/library/app:chain10', 'indexes nested deeper than 3 levels']]);
    // skopeo 1.9 cannot copy an index nested in an index: walk it with plain fetch instead.
    expect(await listTags(m.target.url)).toEqual(['docker.io/library/app:chain2']);
    const tree = await assertTreeComplete(m.target.url, 'docker.io/library/app', 'chain2');
    expect(tree[0]).toBe(chains.get('chain2')!.digest);
    // 3 indexes, 2 images, 2 configs, 4 layers.
    expect(tree).toHaveLength(11);
  });

  test('an index whose child answers with the index itself is refused by digest, not followed', async () => {
    const chain = chains.get('chain2')!;
    const loop = (): FaultRule[] => [{ method: 'GET', path: new RegExp(`/manifests/${chain.child}$`), fault: serve(chain.bytes, true) }];
    proxy.arm(loop());
    const { images } = await audit(['docker.io/library/app:chain2']);
    expect(images[0]!.error).toBe(`digest mismatch for docker.io/library/app@${chain.child}: expected ${chain.child}, got ${chain.digest}`);
    expect(proxy.requests.filter((r) => r.fault)).toHaveLength(1);
    proxy.arm(loop());
    const m = await mirror(['docker.io/library/app:chain2']);
    expect(m.failures.get('docker.io/library/app:chain2')).toBe(images[0]!.error);
    expect(await assertTagsComplete(m.target.host)).toEqual([]);
  });
});

describe('blob size', () => {
  test.each([
    ['with Content-Length', true, (n: number, size: number) => `registry sends ${n} bytes, more than the ${size} of its descriptor; refused`],
    ['streamed without Content-Length', false, (_n: number, size: number) => `longer than the ${size} bytes of its descriptor; refused`],
  ])('a config blob longer than its descriptor is refused (%s)', async (_how, declared, reason) => {
    const body = 'x'.repeat(soloConfig.size + 100);
    proxy.arm([{ method: 'GET', path: new RegExp(`/blobs/${soloConfig.digest}$`), fault: serve(body, declared, 'application/octet-stream') }]);
    const { images } = await audit(['docker.io/library/solo:1']);
    expect(images[0]!.error).toBe(`docker.io/library/solo@${soloConfig.digest}: ${reason(body.length, soloConfig.size)}`);
  });

  test('a layer longer than its descriptor is cut off: that image fails, nothing of it lands, a re-run completes', async () => {
    proxy.arm([{ method: 'GET', path: new RegExp(`/blobs/${bigLayer.digest}$`), fault: serve('x'.repeat(bigLayer.size + 4096), false, 'application/octet-stream') }]);
    const m = await mirror(['docker.io/library/app:1', 'docker.io/library/solo:1']);
    expect(m.run.code).toBe(1);
    expect(m.failures.get('docker.io/library/app:1')).toBe(`docker.io/library/app@${bigLayer.digest}: longer than the ${bigLayer.size} bytes of its descriptor; refused`);
    expect(await blobExists(m.target.url, 'docker.io/library/app', bigLayer.digest)).toBe(false);
    expect(await assertTagsComplete(m.target.host)).toEqual(['docker.io/library/solo:1']);

    proxy.arm([]);
    const again = await cli(['mirror', '--registry', m.target.host, '--image', 'docker.io/library/app:1', '--upstream', `docker.io=${proxy.url}`], { cwd: m.dir });
    expect(again.code).toBe(0);
    expect(await assertTagsComplete(m.target.host)).toEqual(['docker.io/library/app:1', 'docker.io/library/solo:1']);
  });
});

describe('--timeout', () => {
  test('a registry that never answers: audit gives up within a bounded time with one line', async () => {
    proxy.arm([{ method: 'GET', path: APP_TAG, fault: { stall: 10_000 } }]);
    const { run, images } = await audit(['docker.io/library/app:1', 'docker.io/library/solo:1'], ['--timeout', '0.5']);
    expect(images.map((i) => i.status)).toEqual(['error', 'ok']);
    expect(images[0]!.error).toBe(`docker.io/library/app:1: network error (GET ${proxy.url}/v2/library/app/manifests/1: UND_ERR_HEADERS_TIMEOUT)`);
    // 5 attempts of 0.5 s plus at most 3 s of backoff, plus start-up.
    expect(run.ms).toBeLessThan(9_000);
    expect(proxy.requests.filter((r) => r.fault)).toHaveLength(5);
  });

  test('a blob body that stalls every time: mirror fails that image in bounded time; a re-run completes', async () => {
    proxy.arm([{ method: 'GET', path: new RegExp(`/blobs/${bigLayer.digest}$`), fault: { stallBody: 10_000 } }]);
    const first = await mirror(['docker.io/library/app:1', 'docker.io/library/solo:1'], ['--timeout', '0.5']);
    expect(first.run.code).toBe(1);
    expect(first.failures.get('docker.io/library/app:1')).toBe(`docker.io/library/app@${bigLayer.digest}: transfer failed (UND_ERR_BODY_TIMEOUT)`);
    // One GET and 4 ranged resumes; the upload around the stream must not start the count again.
    expect(proxy.requests.filter((r) => r.fault)).toHaveLength(5);
    expect(first.run.ms).toBeLessThan(12_000);
    expect(await assertTagsComplete(first.target.host)).toEqual(['docker.io/library/solo:1']);

    proxy.arm([]);
    const again = await cli(['mirror', '--registry', first.target.host, '--image', 'docker.io/library/app:1', 'docker.io/library/solo:1', '--upstream', `docker.io=${proxy.url}`], { cwd: first.dir });
    expect(again.code).toBe(0);
    expect(await assertTagsComplete(first.target.host)).toEqual(['docker.io/library/app:1', 'docker.io/library/solo:1']);
  });
});
