/**
 * The whole mirror run with a build recipe: buildah (RUN under qemu) builds the missing arm64 into
 * the target, the run composes it with the upstream amd64, locks it as "built", and a re-run does
 * not build again. Uses the build tests' arm64 busybox base (test/build/fixture.ts).
 */
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from '../../src/build/index.js';
import type { BuildFn } from '../../src/mirror/resolve.js';
import { pushArm64Base, tempDir } from '../build/fixture.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { seed } from '../support/seed.js';
import { client, inspectConfig, inspectRaw, mirror } from './support.js';

describe('mirror with an arm64 build recipe', () => {
  let source: RunningRegistry;
  let target: RunningRegistry;
  let base: string;
  const stores: string[] = [];
  const builds: string[] = [];
  const build: BuildFn = (recipe, opts) => {
    builds.push(opts.dryRun ? `dry ${opts.target}` : opts.target);
    return buildImage(recipe, { ...opts, builder: 'buildah', storage: stores[1]! });
  };

  beforeAll(async () => {
    [source, target] = await Promise.all([startRegistry(), startRegistry()]);
    stores.push(tempDir('mirror-base-store'), tempDir('mirror-store'));
    base = await pushArm64Base(source.host, stores[0]!);
    await seed(source.host, [{ name: 'team/tool:v1', platforms: ['linux/amd64'] }]);
  }, 180_000);
  afterAll(async () => {
    await Promise.all([source?.stop(), target?.stop()]);
    for (const dir of stores) rmSync(dir, { recursive: true, force: true });
  });

  it('plans the build with its commands in a dry run, builds, composes, and does not rebuild on a re-run', async () => {
    const images = [{ ref: `${source.host}/team/tool:v1`, arm64: { build: { context: 'demo', args: { BASE: base, GREETING: 'mirrored' } } } }];
    const settings = { buildImage: build, buildSettings: { stackRoot: resolve('test/fixtures/build'), plainHttp: true } };
    const reg = client();
    const targetRef = `${target.host}/${source.host.replace(':', '_')}/team/tool:v1`;

    const dry = await mirror(reg, target.host, images, { ...settings, dryRun: true });
    expect(dry.images[0]).toMatchObject({ result: 'planned', action: 'build' });
    expect(dry.images[0]!.commands!.join('\n')).toMatch(/buildah .*build .*--arch arm64/);
    expect(builds).toEqual([`dry ${targetRef}-arm64-build`]);

    const one = await mirror(reg, target.host, images, settings);
    expect(one.images[0]).toMatchObject({ result: 'built', error: null });
    expect(one.images[0]!.platforms['linux/arm64']!.from).toBe('built demo');
    const index = await inspectRaw(targetRef);
    expect(index.json.manifests.map((m: any) => `${m.platform.os}/${m.platform.architecture}`)).toEqual(['linux/amd64', 'linux/arm64']);
    expect(index.json.manifests[1].annotations['io.ampere-images.origin']).toBe('built demo');
    expect((await inspectConfig(targetRef, 'arm64')).architecture).toBe('arm64');

    const two = await mirror(reg, target.host, images, { ...settings, lock: one.lock });
    expect(two.images[0]!.result).toBe('up-to-date');
    expect(builds).toHaveLength(2);
    expect(JSON.stringify(two.lock)).toBe(JSON.stringify(one.lock));
    await reg.close();
  }, 300_000);
});
