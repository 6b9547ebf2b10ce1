/**
 * A build fills the arm64 gap of a real amd64-only upstream image: buildImage (buildah, RUN under
 * qemu) pushes into the mirror registry, and the mirror's compose puts it beside the upstream amd64
 * manifest in one index. Checked with skopeo, not with our client.
 */
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildImage } from '../../src/build/index.js';
import { BlobCopier } from '../../src/mirror/blobs.js';
import { mirrorImage } from '../../src/mirror/image.js';
import { planImage, type SourceImage } from '../../src/mirror/plan.js';
import { builtArm64, resolveSource } from '../../src/mirror/resolve.js';
import { parseReference } from '../../src/reference.js';
import { createRegistry, type RegistryClient } from '../../src/registry/client.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { seed } from '../support/seed.js';
import { exec, pushArm64Base, tempDir } from './fixture.js';

let upstream: RunningRegistry;
let mirror: RunningRegistry;
let client: RegistryClient;
let base: string;
const stores: string[] = [];

beforeAll(async () => {
  [upstream, mirror] = await Promise.all([startRegistry(), startRegistry()]);
  stores.push(tempDir('base-store'), tempDir('store'));
  base = await pushArm64Base(upstream.host, stores[0]!);
  await seed(upstream.host, [{ name: 'team/tool:v1', platforms: ['linux/amd64'] }]);
  client = createRegistry();
}, 120_000);

afterAll(async () => {
  await client?.close();
  await Promise.all([upstream?.stop(), mirror?.stop()]);
  for (const dir of stores) rmSync(dir, { recursive: true, force: true });
});

async function inspect(...args: string[]): Promise<Record<string, unknown>> {
  return JSON.parse((await exec('skopeo', ['inspect', '--tls-verify=false', ...args])).stdout) as Record<string, unknown>;
}

it('composes the built arm64 manifest with the upstream amd64 one', async () => {
  const source: SourceImage = {
    ref: `${upstream.host}/team/tool:v1`,
    arm64: { build: { context: 'demo', args: { BASE: base, GREETING: 'composed' } } },
  };
  const resolved = await resolveSource(client, parseReference(source.ref));
  expect(resolved.platforms).toEqual(['linux/amd64']);
  const plan = planImage(source, { digest: resolved.fetched.digest, platforms: resolved.platforms, arm64Alternative: null },
    { registry: mirror.host, build: true });
  expect(plan.action).toBe('build');

  const arm64 = await builtArm64(client, (recipe, opts) => buildImage(recipe, { ...opts, storage: stores[1]! }), plan,
    { stackRoot: resolve('test/fixtures/build'), builder: 'buildah', plainHttp: true });
  const mirrored = await mirrorImage({ registry: client, blobs: new BlobCopier(client, { concurrency: 4 }) }, plan, resolved, arm64);

  const index = await inspect('--raw', `docker://${plan.target}`) as { manifests: Array<{ digest: string; platform: { os: string; architecture: string } }> };
  expect(index.manifests.map((m) => `${m.platform.os}/${m.platform.architecture}`)).toEqual(['linux/amd64', 'linux/arm64']);
  expect(index.manifests[1]!.digest).toBe(arm64.fetched.digest);
  expect(mirrored.platforms['linux/arm64']).toEqual({ digest: arm64.fetched.digest, from: 'built demo' });

  const arm64Config = await inspect('--config', '--override-arch', 'arm64', `docker://${plan.target}`);
  expect(arm64Config.architecture).toBe('arm64');
  const amd64Config = await inspect('--config', '--override-arch', 'amd64', `docker://${plan.target}`);
  expect(amd64Config.architecture).toBe('amd64');
});
