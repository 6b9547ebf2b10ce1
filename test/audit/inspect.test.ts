/**
 * inspectImage against a real distribution registry seeded by skopeo: what each kind of manifest
 * yields, how many requests it costs, and which arm64 alternates count.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectImage } from '../../src/audit/inspect.js';
import { createRegistry, type RegistryClient } from '../../src/registry/client.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { seed } from '../support/seed.js';

const AMD = 'linux/amd64';
const ARM = 'linux/arm64';

describe('inspectImage on a real registry', () => {
  let reg: RunningRegistry;
  let client: RegistryClient;
  const digests = new Map<string, string>();

  beforeAll(async () => {
    reg = await startRegistry();
    const pushed = await seed(reg.host, [
      { name: 'library/busybox:1.36', platforms: [AMD, ARM, 'linux/arm/v7'], attestations: true },
      { name: 'calico/node:v3.10.0', platforms: [AMD], single: true, docker: true },
      { name: 'calico/node:v3.10.0-arm64', platforms: [ARM], single: true, docker: true },
      { name: 'k8s/metrics-server-amd64:v0.3.6', platforms: [AMD], single: true },
      { name: 'k8s/metrics-server-arm64:v0.3.6', platforms: ['linux/arm64/v8'], single: true },
      { name: 'library/nginx:1.17', platforms: [AMD], docker: true },
      { name: 'arm64v8/nginx:1.17', platforms: [ARM], single: true },
      // Named like an arm64 image but is not one: must not count.
      { name: 'coreos/flannel:v0.11.0', platforms: [AMD], single: true },
      { name: 'coreos/flannel:v0.11.0-arm64', platforms: [AMD], single: true },
      { name: 'coreos/flannel-arm64:v0.11.0', platforms: [ARM], single: true },
      { name: 'egernst/coreos-flannel:v0.11.0', platforms: [AMD, ARM] },
      { name: 'elastic/kibana:7.6.2', platforms: [AMD] },
      { name: 'only/arm:1', platforms: [ARM] },
    ]);
    for (const [k, v] of pushed) digests.set(k, v);
    // An index whose only entry is another index (OCI image-index.md allows it), pushed with
    // plain fetch so it does not depend on our client.
    const inner = digests.get('library/busybox:1.36')!;
    const innerSize = Number((await fetch(`${reg.url}/v2/library/busybox/manifests/${inner}`, { method: 'HEAD',
      headers: { accept: 'application/vnd.oci.image.index.v1+json' } })).headers.get('content-length'));
    const outer = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', digest: inner, size: innerSize }] });
    const put = await fetch(`${reg.url}/v2/library/busybox/manifests/nested`, { method: 'PUT', body: outer,
      headers: { 'content-type': 'application/vnd.oci.image.index.v1+json' } });
    expect(put.status).toBe(201);
    client = createRegistry({ upstreams: { 'docker.io': reg.url, 'quay.io': reg.url, 'k8s.gcr.io': reg.url } });
    // The client pings /v2/ once per registry for its auth challenge; do it before counting.
    for (const host of ['docker.io', 'k8s.gcr.io']) await client.headManifest({ registry: host, repository: 'warm/up' }, 'x');
  });
  afterAll(async () => {
    await client?.close();
    await reg?.stop();
  });

  it('reads platforms of an OCI index in one request, without attestations', async () => {
    const before = client.stats.requests;
    const r = await inspectImage(client, 'busybox:1.36');
    expect(client.stats.requests - before).toBe(1);
    expect(r).toMatchObject({
      ref: 'docker.io/library/busybox:1.36', digest: digests.get('library/busybox:1.36'),
      mediaType: 'application/vnd.oci.image.index.v1+json', platforms: [AMD, ARM, 'linux/arm/v7'],
      arm64: true, multiArch: true, arm64Alternative: null, status: 'ok', error: null,
    });
  });

  it('reads a single image manifest\'s platform from its config (two requests)', async () => {
    const before = client.stats.requests;
    const r = await inspectImage(client, 'k8s.gcr.io/k8s/metrics-server-arm64:v0.3.6');
    expect(client.stats.requests - before).toBe(2);
    expect(r).toMatchObject({ platforms: [ARM], arm64: true, multiArch: false, status: 'ok' });
    expect(r.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
  });

  it('follows an index nested in an index', async () => {
    const r = await inspectImage(client, 'busybox:nested');
    expect(r.platforms).toEqual([AMD, ARM, 'linux/arm/v7']);
    expect(r.arm64).toBe(true);
  });

  it('finds a per-arch tag alternate (docker v2s2, tag-arm64)', async () => {
    const r = await inspectImage(client, 'calico/node:v3.10.0');
    expect(r).toMatchObject({ platforms: [AMD], arm64: false, multiArch: false,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      arm64Alternative: 'docker.io/calico/node:v3.10.0-arm64' });
  });

  it('swaps an -amd64 repository name for -arm64', async () => {
    const r = await inspectImage(client, 'k8s.gcr.io/k8s/metrics-server-amd64:v0.3.6');
    expect(r.arm64Alternative).toBe('k8s.gcr.io/k8s/metrics-server-arm64:v0.3.6');
  });

  it('finds Docker Hub official arm64v8/ images', async () => {
    const r = await inspectImage(client, 'nginx:1.17');
    expect(r).toMatchObject({ mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
      platforms: [AMD], multiArch: false, arm64Alternative: 'docker.io/arm64v8/nginx:1.17' });
  });

  it('checks the candidate\'s real platform, not its name, and prefers the declared alternate', async () => {
    const conventional = await inspectImage(client, 'quay.io/coreos/flannel:v0.11.0');
    // The -arm64 tag is amd64 inside; the -arm64 repository is the first real one.
    expect(conventional.arm64Alternative).toBe('quay.io/coreos/flannel-arm64:v0.11.0');
    const declared = await inspectImage(client, 'quay.io/coreos/flannel:v0.11.0', { alternates: ['egernst/coreos-flannel:v0.11.0'] });
    expect(declared.arm64Alternative).toBe('docker.io/egernst/coreos-flannel:v0.11.0');
  });

  it('reports no alternative when none exists', async () => {
    const r = await inspectImage(client, 'elastic/kibana:7.6.2', { alternates: ['docker.io/nobody/kibana:7.6.2'] });
    expect(r).toMatchObject({ platforms: [AMD], arm64: false, multiArch: false, arm64Alternative: null, status: 'ok' });
  });

  it('a one-platform index is not multi-arch', async () => {
    const r = await inspectImage(client, 'only/arm:1');
    expect(r).toMatchObject({ platforms: [ARM], arm64: true, multiArch: false });
  });

  it('maps a missing image to not-found without throwing', async () => {
    const r = await inspectImage(client, 'quay.io/nope/missing:1');
    expect(r.status).toBe('not-found');
    expect(r.error).toMatch(/404/);
    expect(r.error).not.toContain('\n');
    expect(r).toMatchObject({ digest: null, platforms: [], arm64: false, arm64Alternative: null });
  });

  it('an artifact listed without a platform (SBOM, signature) is not a platform and fails nothing', async () => {
    // OCI image-index.md: platform is optional; an artifact manifest's config is not an image
    // config (image-spec manifest.md, the empty descriptor), so it has no os/architecture.
    const put = async (path: string, type: string, body: string): Promise<void> => {
      const res = await fetch(`${reg.url}/v2/library/busybox/${path}`, { method: 'PUT', body, headers: { 'content-type': type } });
      expect(res.status).toBe(201);
    };
    const empty = '{}';
    const emptyDigest = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';
    const upload = await fetch(`${reg.url}/v2/library/busybox/blobs/uploads/`, { method: 'POST' });
    const location = new URL(upload.headers.get('location')!, reg.url);
    location.searchParams.set('digest', emptyDigest);
    expect((await fetch(location, { method: 'PUT', body: empty, headers: { 'content-type': 'application/octet-stream' } })).status).toBe(201);
    const emptyDescriptor = { mediaType: 'application/vnd.oci.empty.v1+json', digest: emptyDigest, size: 2 };
    const artifact = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/spdx+json', config: emptyDescriptor, layers: [emptyDescriptor] });
    const artifactDigest = `sha256:${createHash('sha256').update(artifact).digest('hex')}`;
    await put(`manifests/${artifactDigest}`, 'application/vnd.oci.image.manifest.v1+json', artifact);
    const index = await (await fetch(`${reg.url}/v2/library/busybox/manifests/1.36`, {
      headers: { accept: 'application/vnd.oci.image.index.v1+json' } })).json() as { manifests: { platform?: { os: string } }[] };
    const images = index.manifests.filter((d) => d.platform?.os === 'linux');
    for (const [tag, entry] of [['sbom', { artifactType: 'application/spdx+json' }], ['unmarked', {}]] as const) {
      await put(`manifests/${tag}`, 'application/vnd.oci.image.index.v1+json', JSON.stringify({
        schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [...images, { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: artifactDigest, size: artifact.length, ...entry }],
      }));
      const r = await inspectImage(client, `busybox:${tag}`);
      expect(r).toMatchObject({ status: 'ok', error: null, platforms: [AMD, ARM, 'linux/arm/v7'], arm64: true, multiArch: true });
    }
  });

  it('pins by digest and keeps the tag for display', async () => {
    const digest = digests.get('elastic/kibana:7.6.2')!;
    const r = await inspectImage(client, `elastic/kibana:7.6.2@${digest}`);
    expect(r.ref).toBe(`docker.io/elastic/kibana:7.6.2@${digest}`);
    expect(r.digest).toBe(digest);
  });
});

/** Answers a few canned manifests: what a default-configured registry will not serve. */
function scripted(routes: Record<string, { status: number; type?: string; body: string }>): Promise<{ server: Server; url: string; hits: Set<string> }> {
  const hits = new Set<string>();
  const server = createServer((req, res) => {
    const route = routes[req.url ?? ''];
    hits.add(req.url ?? '');
    if (!route) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
      return;
    }
    res.writeHead(route.status, route.type ? { 'content-type': route.type } : {}).end(route.body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    resolve({ server, url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`, hits });
  }));
}

describe('inspectImage on answers a default registry does not give', () => {
  let srv: Awaited<ReturnType<typeof scripted>>;
  let client: RegistryClient;
  beforeAll(async () => {
    const schema1 = JSON.stringify({ schemaVersion: 1, name: 'old/app', tag: '1', architecture: 'amd64', fsLayers: [], history: [] });
    srv = await scripted({
      '/v2/old/app/manifests/1': { status: 200, type: 'application/vnd.docker.distribution.manifest.v1+prettyjws', body: schema1 },
      '/v2/private/app/manifests/1': { status: 401, type: 'application/json', body: '{"errors":[{"code":"UNAUTHORIZED"}]}' },
      '/v2/broken/app/manifests/1': { status: 500, type: 'text/plain', body: 'boom\nsecond line' },
    });
    client = createRegistry({ upstreams: { 'legacy.example': srv.url }, retries: 0 });
  });
  afterAll(async () => {
    await client?.close();
    srv?.server.close();
  });

  it('reports a schema 1 manifest as legacy with its architecture and a note', async () => {
    const r = await inspectImage(client, 'legacy.example/old/app:1');
    expect(r).toMatchObject({ status: 'ok', platforms: ['linux/amd64'], arm64: false, multiArch: false });
    expect(r.note).toMatch(/schema 1/);
    // Alternates were probed (and were absent).
    expect(srv.hits.has('/v2/old/app/manifests/1-arm64')).toBe(true);
    expect(r.arm64Alternative).toBeNull();
  });

  it('maps 401 to unauthorized and 500 to error, one line each', async () => {
    const denied = await inspectImage(client, 'legacy.example/private/app:1');
    expect(denied.status).toBe('unauthorized');
    const broken = await inspectImage(client, 'legacy.example/broken/app:1');
    expect(broken.status).toBe('error');
    expect(broken.error).toMatch(/500/);
    expect(broken.error).not.toContain('\n');
    // Nothing was probed for images that could not be read.
    expect(srv.hits.has('/v2/private/app/manifests/1-arm64')).toBe(false);
  });
});
