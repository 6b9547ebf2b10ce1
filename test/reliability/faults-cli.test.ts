/**
 * `audit` and `mirror` as users run them (the built CLI), against a real registry behind the
 * fault-injecting proxy. test/registry/faults.test.ts and test/mirror/faults.test.ts prove the
 * client and the mirror library; this file proves the commands: exit codes, the one line a failed
 * image gets, what lands in the target (read back with skopeo), and that a re-run finishes the job.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startFaultProxy, type FaultProxy, type FaultRule } from '../support/fault-proxy.js';
import { registryFleet, type RunningRegistry } from '../support/registry.js';
import { seed } from '../support/seed.js';
import { assertTagsComplete, blobExists, cli, skopeoDigest, skopeoRaw, workdir, type CliRun } from './support.js';

const APP = 'docker.io/library/app:1';
const SOLO = 'docker.io/library/solo:1';
const OTHER = 'docker.io/library/other:1';
const IMAGES = [APP, SOLO, OTHER];
const APP_TAG = /^\/v2\/library\/app\/manifests\/1$/;
/** Big enough to be cut mid-body; plain so seeding stays quick. */
const BIG = 256 * 1024;

/** Digests read from the source with skopeo, not through the proxy. */
interface Facts {
  source: Record<string, string>;
  /** The 256 KiB layer of app's linux/amd64 image. */
  bigLayer: string;
  /** The config blob of solo (a single arm64 manifest: audit reads it for the platform). */
  soloConfig: string;
}

let source: RunningRegistry;
let proxy: FaultProxy;
let facts: Facts;
const fleet = registryFleet();

beforeAll(async () => {
  source = await fleet.start();
  await seed(source.host, [
    { name: 'library/app:1', platforms: ['linux/amd64', 'linux/arm64'], layers: (p) => [{ key: `app ${p}` }, { key: `app big ${p}`, size: BIG, plain: true }] },
    { name: 'library/solo:1', platforms: ['linux/arm64'], single: true },
    { name: 'library/other:1', platforms: ['linux/amd64', 'linux/arm64'] },
  ]);
  const digests: Record<string, string> = {};
  for (const ref of IMAGES) digests[ref] = await skopeoDigest(ref.replace('docker.io', source.host));
  const appIndex = await skopeoRaw(`${source.host}/library/app:1`);
  const amd64 = await skopeoRaw(`${source.host}/library/app@${appIndex.manifests[0].digest}`);
  const solo = await skopeoRaw(`${source.host}/library/solo:1`);
  facts = { source: digests, bigLayer: amd64.layers[1].digest, soloConfig: solo.config.digest };
  proxy = await startFaultProxy(source.url);
}, 120_000);

afterAll(async () => {
  await proxy?.stop();
  await fleet.stopAll();
});

const upstream = (): string[] => ['--upstream', `docker.io=${proxy.url}`];
const injected = (): number => proxy.requests.filter((r) => r.fault).length;
const retryLines = (r: CliRun): string[] => r.stderr.split('\n').filter((l) => l.startsWith('retry '));
const noTrace = (r: CliRun): void => expect(r.stderr).not.toMatch(/^\s+at /m);

interface AuditImage { ref: string; status: string; error: string | null; digest: string | null; platforms: string[] }

async function audit(extra: string[] = []): Promise<{ run: CliRun; images: Map<string, AuditImage> }> {
  const run = await cli(['audit', '--image', ...IMAGES, '--json', '--verbose', ...upstream(), ...extra], { cwd: workdir('audit') });
  noTrace(run);
  const doc = JSON.parse(run.stdout) as { images: AuditImage[] };
  return { run, images: new Map(doc.images.map((i) => [i.ref, i])) };
}

interface LockFile { registry: string; images: Array<{ source: string; digest: string; target: string }> }

async function mirror(target: RunningRegistry, dir: string, extra: string[] = []): Promise<{ run: CliRun; lock: LockFile | undefined }> {
  const run = await cli(['mirror', '--registry', target.host, '--image', ...IMAGES, ...upstream(), '--concurrency', '4', ...extra], { cwd: dir });
  noTrace(run);
  let lock: LockFile | undefined;
  try {
    lock = JSON.parse(readFileSync(join(dir, 'mirror.lock.json'), 'utf8')) as LockFile;
  } catch {
    lock = undefined;
  }
  return { run, lock };
}

const freshTarget = (): Promise<RunningRegistry> => fleet.start();

/** Every locked image is an exact copy: same digest as the source, and the target tag says so too. */
async function expectExactCopies(target: RunningRegistry, lock: LockFile | undefined, refs: string[]): Promise<void> {
  expect(lock?.images.map((e) => e.source).sort()).toEqual([...refs].sort());
  for (const e of lock!.images) {
    expect(e.digest).toBe(facts.source[e.source]);
    expect(await skopeoDigest(e.target)).toBe(e.digest);
  }
  const tags = await assertTagsComplete(target.host);
  expect(tags).toEqual([...refs].sort());
}

interface TransientCase {
  name: string;
  /** Rules for both commands; a rule on a blob audit never reads simply does not fire there. */
  rules: () => FaultRule[];
  args?: string[];
  /** The wait each retry of app's manifest must show in the --verbose log. */
  wait?: (ms: number) => boolean;
}

const TRANSIENT: TransientCase[] = [
  ...[500, 502, 503].map((status) => ({
    name: `HTTP ${status} twice on a manifest and on a blob`,
    rules: () => [
      { method: 'GET', path: APP_TAG, times: 2, fault: { status } },
      { method: 'GET', path: new RegExp(`/blobs/${facts.soloConfig}$`), times: 2, fault: { status } },
    ],
  })),
  {
    name: '429 with Retry-After in seconds',
    rules: () => [{ method: 'GET', path: APP_TAG, nth: 1, fault: { status: 429, headers: { 'retry-after': '1' } } }],
    wait: (ms) => ms === 1000,
  },
  {
    name: '429 with Retry-After as an HTTP-date',
    rules: () => [{ method: 'GET', path: APP_TAG, nth: 1, fault: { status: 429, headers: { 'retry-after': new Date(Date.now() + 3_000).toUTCString() } } }],
    // The date has whole seconds and the CLI takes a moment to start: more than backoff would wait.
    wait: (ms) => ms >= 500 && ms <= 3_000,
  },
  {
    name: '429 without Retry-After',
    rules: () => [
      { method: 'GET', path: APP_TAG, times: 2, fault: { status: 429 } },
      { method: 'GET', path: new RegExp(`/blobs/${facts.soloConfig}$`), nth: 1, fault: { status: 429 } },
    ],
    wait: (ms) => ms < 500,
  },
  {
    // A throttling registry: 429 is pacing, not failure, and gets more retries than a 5xx.
    name: '429 five times in a row',
    rules: () => [{ method: 'GET', path: APP_TAG, times: 5, fault: { status: 429, headers: { 'retry-after': '0' } } }],
    wait: (ms) => ms === 0,
  },
  {
    name: 'connection dropped mid-body (manifest, and a 256 KiB layer)',
    rules: () => [
      { method: 'GET', path: APP_TAG, nth: 1, fault: { drop: 100 } },
      { method: 'GET', path: new RegExp(`/blobs/${facts.bigLayer}$`), nth: 1, fault: { drop: 100_000 } },
    ],
  },
  {
    name: 'answer stalled past --timeout',
    rules: () => [{ method: 'GET', path: APP_TAG, nth: 1, fault: { stall: 3_000 } }],
    args: ['--timeout', '1'],
  },
  {
    name: 'body stalled past --timeout',
    rules: () => [
      { method: 'GET', path: APP_TAG, nth: 1, fault: { stallBody: 3_000 } },
      { method: 'GET', path: new RegExp(`/blobs/${facts.bigLayer}$`), nth: 1, fault: { stallBody: 3_000 } },
    ],
    args: ['--timeout', '1'],
  },
];

describe('transient faults: both commands succeed after bounded retries', () => {
  test.each(TRANSIENT.map((c) => [c.name, c] as const))('audit: %s', async (_name, c) => {
    proxy.arm(c.rules());
    const { run, images } = await audit(c.args);
    expect(run.code).toBe(0);
    expect(injected()).toBeGreaterThan(0);
    for (const ref of IMAGES) {
      expect(images.get(ref)).toMatchObject({ status: 'ok', error: null, digest: facts.source[ref] });
    }
    expect(images.get(SOLO)!.platforms).toEqual(['linux/arm64']);
    const retries = retryLines(run);
    expect(retries.length).toBeGreaterThanOrEqual(1);
    // Bounded: by default 4 retries per request, 10 when the registry answers 429.
    for (const line of retries) {
      const [, n, limit] = /^retry (\d+)\/(\d+) of /.exec(line) ?? [];
      expect(Number(n)).toBeLessThanOrEqual(Number(limit));
      expect(limit).toBe(line.endsWith(': HTTP 429') ? '10' : '4');
    }
    if (c.wait) {
      const waits = retries.filter((l) => l.includes(`GET ${APP}`)).map((l) => Number(/ in (\d+) ms:/.exec(l)?.[1]));
      expect(waits.length).toBeGreaterThan(0);
      expect(waits.every(c.wait)).toBe(true);
    }
  });

  test.each(TRANSIENT.map((c) => [c.name, c] as const))('mirror: %s', async (_name, c) => {
    const target = await freshTarget();
    proxy.arm(c.rules());
    const { run, lock } = await mirror(target, workdir('mirror'), ['--verbose', ...(c.args ?? [])]);
    expect(run.stderr).not.toMatch(/^error:/m);
    expect(run.code).toBe(0);
    expect(injected()).toBeGreaterThanOrEqual(c.rules().length);
    expect(retryLines(run).length + (run.stderr.match(/ -> 206 /g)?.length ?? 0)).toBeGreaterThanOrEqual(1);
    await expectExactCopies(target, lock, IMAGES);
  });

  test('blob GETs redirected to another host:port: followed, both commands succeed', async () => {
    const rules = (): FaultRule[] => [{ method: 'GET', path: /\/blobs\/sha256:/, fault: { redirect: 'other' } }];
    proxy.arm(rules());
    const { run, images } = await audit();
    expect(run.code).toBe(0);
    expect(images.get(SOLO)).toMatchObject({ status: 'ok', platforms: ['linux/arm64'] });
    expect(proxy.requests.filter((r) => r.listener === 'other').map((r) => r.path)).toEqual([`/v2/library/solo/blobs/${facts.soloConfig}`]);

    const target = await freshTarget();
    proxy.arm(rules());
    const m = await mirror(target, workdir('mirror'));
    expect(m.run.code).toBe(0);
    const other = proxy.requests.filter((r) => r.listener === 'other');
    expect(other.some((r) => r.path.endsWith(facts.bigLayer))).toBe(true);
    await expectExactCopies(target, m.lock, IMAGES);
  });
});

interface PermanentCase {
  name: string;
  rules: () => FaultRule[];
  /** The image the fault breaks; the other two must come through untouched. */
  breaks: string;
  /** The one line the broken image gets (audit's error field, mirror's failure line). */
  message: RegExp;
  /** A blob that must not be in the target afterwards. */
  blob?: () => { repo: string; digest: string };
  /** Requests the fault answers before the image is given up: 1 + the retries (default 1 + 4). */
  attempts?: number;
}

const soloConfig = (): RegExp => new RegExp(`/blobs/${facts.soloConfig}$`);
const soloBlob = () => ({ repo: 'docker.io/library/solo', digest: facts.soloConfig });

const PERMANENT: PermanentCase[] = [
  { name: 'HTTP 503 on every attempt', rules: () => [{ method: 'GET', path: APP_TAG, fault: { status: 503 } }], breaks: APP, message: /registry error \(GET .*\/v2\/library\/app\/manifests\/1: HTTP 503\)$/ },
  { name: '429 on every attempt', rules: () => [{ method: 'GET', path: APP_TAG, fault: { status: 429, headers: { 'retry-after': '0' } } }], breaks: APP, message: /HTTP 429\)$/, attempts: 11 },
  { name: 'connection dropped before any byte, every time', rules: () => [{ method: 'GET', path: soloConfig(), fault: { drop: 0 } }], breaks: SOLO, message: /library\/solo@sha256:[0-9a-f]{64}.*(transfer failed|network error)/, blob: soloBlob },
  { name: 'truncated body (complete answer, short content)', rules: () => [{ method: 'GET', path: soloConfig(), fault: { truncate: 50 } }], breaks: SOLO, message: /digest mismatch for .*library\/solo@sha256:[0-9a-f]{64}: expected sha256:[0-9a-f]{64}, got 50 of \d+ bytes$/, blob: soloBlob },
  { name: 'blob whose content does not match its digest', rules: () => [{ method: 'GET', path: soloConfig(), fault: { corrupt: true } }], breaks: SOLO, message: /digest mismatch for .*library\/solo@sha256:[0-9a-f]{64}: expected sha256:[0-9a-f]{64}, got sha256:[0-9a-f]{64}$/, blob: soloBlob },
  { name: 'manifest whose content does not match Docker-Content-Digest', rules: () => [{ method: 'GET', path: APP_TAG, fault: { corrupt: true } }], breaks: APP, message: /digest mismatch for docker\.io\/library\/app:1: expected sha256:[0-9a-f]{64}, got sha256:[0-9a-f]{64}$/ },
  { name: 'blob redirected to plain HTTP on a non-loopback host', rules: () => [{ method: 'GET', path: soloConfig(), fault: { redirect: 'http://storage.invalid:9000' } }], breaks: SOLO, message: /redirect to http:\/\/storage\.invalid:9000\/v2\/library\/solo\/blobs\/sha256:[0-9a-f]{64} refused \(plain HTTP not allowed there\)$/, blob: soloBlob },
];

describe('permanent faults: that image fails with one clear line, the rest goes through, a re-run completes', () => {
  test.each(PERMANENT.map((c) => [c.name, c] as const))('audit: %s', async (_name, c) => {
    proxy.arm(c.rules());
    const { run, images } = await audit();
    expect(run.code).toBe(0);
    const broken = images.get(c.breaks)!;
    expect(broken.status).toBe('error');
    expect(broken.digest).toBeNull();
    expect(broken.error).not.toContain('\n');
    expect(broken.error).toMatch(c.message);
    for (const ref of IMAGES.filter((r) => r !== c.breaks)) expect(images.get(ref)).toMatchObject({ status: 'ok', digest: facts.source[ref] });
    // Bounded: one request plus its retries, never more.
    expect(proxy.requests.filter((r) => r.fault).length).toBeLessThanOrEqual(c.attempts ?? 5);
    const strict = await cli(['audit', '--image', c.breaks, '--strict', ...upstream()], { cwd: workdir('strict') });
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain(`strict: ${c.breaks}: error (`);
  });

  test.each(PERMANENT.map((c) => [c.name, c] as const))('mirror: %s', async (_name, c) => {
    const target = await freshTarget();
    const dir = workdir('mirror');
    proxy.arm(c.rules());
    const first = await mirror(target, dir);
    expect(first.run.code).toBe(1);
    const failure = first.run.stderr.split('\n').filter((l) => l.startsWith(`  ${c.breaks}: `));
    expect(failure).toHaveLength(1);
    expect(failure[0]).toMatch(c.message);
    expect(first.run.stderr).toContain('error: 1 image(s) failed to mirror:');
    // Bounded as in audit: retries of a blob read are not multiplied by retries of its upload.
    expect(injected()).toBeLessThanOrEqual(c.attempts ?? 5);
    // The others are mirrored and locked; the broken one has no tag and no entry.
    const good = IMAGES.filter((r) => r !== c.breaks);
    await expectExactCopies(target, first.lock, good);
    if (c.blob) {
      const { repo, digest } = c.blob();
      expect(await blobExists(target.url, repo, digest)).toBe(false);
    }

    proxy.arm([]);
    const second = await mirror(target, dir);
    expect(second.run.code).toBe(0);
    expect(second.run.stderr).toMatch(/up to date|copied/);
    await expectExactCopies(target, second.lock, IMAGES);
  });
});
