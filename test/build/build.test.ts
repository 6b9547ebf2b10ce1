/**
 * buildImage with buildah against a real registry: an arm64 busybox base made by buildah from
 * Debian's package, recipes whose RUN steps execute under qemu, results checked with skopeo.
 */
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildError, buildImage } from '../../src/build/index.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { bareRepo, exec, pushArm64Base, tempDir } from './fixture.js';

const FIXTURES = resolve('test/fixtures/build');

let registry: RunningRegistry;
let base: string;
const cleanup: string[] = [];

function scratch(prefix: string): string {
  const dir = tempDir(prefix);
  cleanup.push(dir);
  return dir;
}

async function skopeo(...args: string[]): Promise<string> {
  return (await exec('skopeo', [...args], { maxBuffer: 1 << 26 })).stdout;
}

/** Files of the image's last layer, and the text of one of them, read from a skopeo dir: copy. */
async function lastLayer(ref: string, file: string): Promise<{ files: string[]; content: string }> {
  const dir = scratch('layers');
  await skopeo('copy', '--quiet', '--src-tls-verify=false', `docker://${ref}`, `dir:${dir}`);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { layers: { digest: string }[] };
  const layer = join(dir, manifest.layers.at(-1)!.digest.slice('sha256:'.length));
  const files = (await exec('tar', ['-tzf', layer])).stdout.split('\n').filter(Boolean);
  const content = (await exec('tar', ['-xzOf', layer, file])).stdout;
  return { files, content };
}

beforeAll(async () => {
  registry = await startRegistry();
  base = await pushArm64Base(registry.host, scratch('base-store'));
}, 120_000);

afterAll(async () => {
  await registry?.stop();
  for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
});

describe('buildImage with buildah', () => {
  it('builds a recipe folder for arm64, runs its RUN step under qemu and pushes it', async () => {
    const target = `${registry.host}/quay.io/demo/tool:v1-arm64-build`;
    const log: string[] = [];
    const result = await buildImage({ context: 'demo', args: { BASE: base } }, {
      stackRoot: FIXTURES, target, platform: 'linux/arm64', builder: 'buildah', plainHttp: true,
      storage: scratch('store'), verbose: true, log: (l) => log.push(l),
    });

    const raw = await skopeo('inspect', '--raw', '--tls-verify=false', `docker://${target}`);
    expect(result.digest).toBe(`sha256:${createHash('sha256').update(raw).digest('hex')}`);
    expect(JSON.parse(raw).mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    const config = JSON.parse(await skopeo('inspect', '--config', '--tls-verify=false', `docker://${target}`));
    expect([config.os, config.architecture]).toEqual(['linux', 'arm64']);

    const layer = await lastLayer(target, 'opt/demo/built.txt');
    expect(layer.files).toContain('opt/demo/built.txt');
    // The recipe.yaml default arg reached the RUN step, and uname ran as an arm64 binary.
    expect(layer.content).toBe('built-by-recipe from aarch64\n');

    expect(result.commands[0]).toMatch(/^buildah --root \S+ --runroot \S+ --storage-driver vfs build --isolation chroot --os linux --arch arm64 --tls-verify=false /);
    expect(result.commands[1]).toContain(`push --tls-verify=false --digestfile `);
    expect(log.some((l) => l.startsWith('$ buildah '))).toBe(true);
    expect(log.some((l) => l.includes('STEP 3/4: RUN'))).toBe(true);
  });

  it('keeps quiet unless verbose', async () => {
    const log: string[] = [];
    await buildImage({ context: 'demo', args: { BASE: base, GREETING: 'quiet' } }, {
      stackRoot: FIXTURES, target: `${registry.host}/quay.io/demo/tool:quiet`, platform: 'linux/arm64',
      builder: 'buildah', plainHttp: true, storage: scratch('store'), log: (l) => log.push(l),
    });
    expect(log).toEqual([]);
  });

  it('fails with the last lines of the builder output', async () => {
    const target = `${registry.host}/quay.io/demo/failing:v1-arm64-build`;
    const err = await buildImage({ context: 'failing', args: { BASE: base } }, {
      stackRoot: FIXTURES, target, platform: 'linux/arm64', builder: 'buildah', plainHttp: true, storage: scratch('store'),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildError);
    const build = err as BuildError;
    expect(build.message.split('\n')[0]).toBe(`building ${target}: buildah build failed (exit 3):`);
    expect(build.message).toContain('  | fatal: missing header foo.h');
    expect(build.tail.length).toBeLessThanOrEqual(30);
    expect(await exec('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${target}`]).catch(() => 'absent')).toBe('absent');
  });

  it('clones a git context at a tag and builds its subdirectory', async () => {
    const repoRoot = scratch('git');
    const dockerfile = readFileSync(join(FIXTURES, 'demo', 'Dockerfile'), 'utf8');
    const url = await bareRepo(repoRoot, { 'docker/Dockerfile.arm64': dockerfile, 'README.md': 'tool\n' }, 'v1.0.0');
    const target = `${registry.host}/quay.io/demo/from-git:v1-arm64-build`;
    const result = await buildImage(
      { context: `${url}#v1.0.0:docker`, dockerfile: 'Dockerfile.arm64', args: { BASE: base, GREETING: 'git' } },
      { stackRoot: FIXTURES, target, platform: 'linux/arm64', builder: 'buildah', plainHttp: true, storage: scratch('store') },
    );
    expect(result.commands[0]).toMatch(new RegExp(`^git clone --quiet --depth 1 --branch v1.0.0 -- ${url} \\S+/source$`));
    expect((await lastLayer(target, 'opt/demo/built.txt')).content).toBe('git from aarch64\n');
    const config = JSON.parse(await skopeo('inspect', '--config', '--tls-verify=false', `docker://${target}`));
    expect(config.architecture).toBe('arm64');
  });

  it('reports a git ref that does not exist in the words of git', async () => {
    const url = await bareRepo(scratch('git'), { 'Dockerfile': 'FROM scratch\n' }, 'v1');
    const err = await buildImage({ context: `${url}#v9` }, {
      stackRoot: FIXTURES, target: `${registry.host}/x/y:1`, platform: 'linux/arm64', builder: 'buildah', plainHttp: true, storage: scratch('store'),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildError);
    expect((err as Error).message).toMatch(/^building \S+: git clone failed \(exit 128\):\n.*Remote branch v9 not found/s);
  });

  it('copies a recipe folder elsewhere and still finds its recipe.yaml', async () => {
    const root = scratch('stack');
    cpSync(join(FIXTURES, 'demo'), join(root, 'images', 'demo'), { recursive: true });
    const target = `${registry.host}/docker.io/library/demo:copied`;
    const result = await buildImage({ context: 'images/demo', args: { BASE: base } }, {
      stackRoot: root, target, platform: 'linux/arm64', builder: 'buildah', plainHttp: true, storage: scratch('store'),
    });
    expect(result.commands[0]).toContain(`--build-arg GREETING=built-by-recipe --build-arg BASE=${base}`);
    expect(readdirSync(root)).toEqual(['images']);
  });
});

describe('the example recipe in images/demo-tool', () => {
  it('builds for arm64 and its tool runs in the build', async () => {
    const target = `${registry.host}/docker.io/example/demo-tool:0.1.0-arm64-build`;
    const log: string[] = [];
    await buildImage({ context: 'images/demo-tool', args: { BASE: base, VERSION: '0.2.0' } }, {
      stackRoot: resolve('.'), target, platform: 'linux/arm64', builder: 'buildah', plainHttp: true,
      storage: scratch('store'), verbose: true, log: (l) => log.push(l),
    });
    expect(log).toContain('demo-tool 0.2.0 (aarch64)');
    const config = JSON.parse(await skopeo('inspect', '--config', '--tls-verify=false', `docker://${target}`));
    expect([config.architecture, config.config.Entrypoint]).toEqual(['arm64', ['/usr/local/bin/demo-tool']]);
    expect((await lastLayer(target, 'usr/local/bin/demo-tool')).content).toContain('demo-tool 0.2.0');
  });
});
