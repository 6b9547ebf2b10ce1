/** Many images sharing large base layers, mirrored at full concurrency: every shared blob travels once. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { seed, type SeedImage } from '../support/seed.js';
import { client, mirror } from './support.js';

const MiB = 1024 * 1024;
const IMAGES: SeedImage[] = Array.from({ length: 12 }, (_, i) => ({
  name: `many/app-${i}:1`,
  platforms: ['linux/amd64', 'linux/arm64'],
  layers: (p: string) => [
    { key: `many base ${p}`, size: 8 * MiB, plain: true },
    { key: `many runtime ${p}`, size: 4 * MiB, plain: true },
    { key: `many app ${i} ${p}`, size: 2 * MiB, plain: true },
  ],
}));

describe('mirror of many images sharing layers', () => {
  let source: RunningRegistry;
  let target: RunningRegistry;
  beforeAll(async () => {
    [source, target] = await Promise.all([startRegistry(), startRegistry()]);
    await seed(source.host, IMAGES);
  }, 120_000);
  afterAll(async () => Promise.all([source?.stop(), target?.stop()]));

  it('copies each distinct blob once and mounts the shared ones everywhere else', async () => {
    const reg = client({ 'docker.io': source.url });
    const run = await mirror(reg, target.host, IMAGES.map((i) => ({ ref: `docker.io/${i.name}` })), { imageConcurrency: 4, blobConcurrency: 8 });
    expect(run.images.filter((i) => i.result !== 'copied')).toEqual([]);
    // 4 shared layers, and per image and platform a config and an app layer
    expect(run.blobs.copied).toBe(4 + 12 * 2 * 2);
    expect(run.blobs.mounted).toBe(4 * 11);
    // 72 MiB of distinct layers plus tar headers and configs: nothing travelled twice
    expect(run.blobs.bytes).toBeGreaterThan(72 * MiB);
    expect(run.blobs.bytes).toBeLessThan(72.1 * MiB);
    await reg.close();
  }, 120_000);
});
