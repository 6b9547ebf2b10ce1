import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildImage } from '../../src/build/index.js';
import type { Runner } from '../../src/build/runner.js';
import { InputError } from '../../src/errors.js';

const stackRoot = resolve('test/fixtures/build');
const target = '127.0.0.1:5000/quay.io/demo/tool:v1-arm64-build';

/** Fails the test if the build runs anything. */
const noRun: Runner = async (argv) => {
  throw new Error(`dry run ran ${argv.join(' ')}`);
};

describe('buildImage --dry-run', () => {
  it('returns the buildah commands without running them', async () => {
    const result = await buildImage({ context: 'demo', args: { BASE: '127.0.0.1:5000/base:1' } }, {
      stackRoot, target, platform: 'linux/arm64', builder: 'buildah', plainHttp: true, dryRun: true, run: noRun, storage: '/var/cache/b',
    });
    expect(result.digest).toBe('');
    expect(result.commands).toHaveLength(2);
    expect(result.commands[0]).toBe('buildah --root /var/cache/b --runroot /var/cache/b/run --storage-driver vfs build --isolation chroot '
      + `--os linux --arch arm64 --tls-verify=false --build-arg GREETING=built-by-recipe --build-arg BASE=127.0.0.1:5000/base:1 -t ${target} `
      + `-f ${stackRoot}/demo/Dockerfile ${stackRoot}/demo`);
    expect(result.commands[1]).toMatch(new RegExp(`^buildah .* push --tls-verify=false --digestfile \\S+/digest ${target} docker://${target}$`));
  });

  it('keeps TLS verification for an upstream base', async () => {
    const result = await buildImage({ context: 'demo', args: { BASE: 'docker.io/library/busybox:1.36' } }, {
      stackRoot, target, platform: 'linux/arm64', builder: 'buildah', plainHttp: true, dryRun: true, run: noRun,
    });
    expect(result.commands[0]).not.toContain('--tls-verify=false');
    expect(result.commands[0]).toContain('/ampere-images/buildah ');
  });

  it('lists the clone for a git context', async () => {
    const result = await buildImage({ context: 'file:///srv/tool.git#v2:docker' }, {
      stackRoot, target, platform: 'linux/arm64', builder: 'buildah', plainHttp: false, dryRun: true, run: noRun,
    });
    expect(result.commands.map((c) => c.split(' ').slice(0, 2).join(' '))).toEqual(['git clone', 'buildah --root', 'buildah --root']);
  });

  it('returns the buildx command for a plain-HTTP registry', async () => {
    const result = await buildImage({ context: 'multi-stage' }, {
      stackRoot, target, platform: 'linux/arm64', builder: 'buildx', plainHttp: true, dryRun: true, run: noRun,
    });
    expect(result.commands.map((c) => c.replace(/\S+\/metadata\.json/, 'META'))).toEqual([
      'docker buildx build --platform linux/arm64 --progress=plain --provenance=false --metadata-file META '
      + `-t ${target} --build-arg VERSION=1.2 --build-arg DEBUG=false -f ${stackRoot}/multi-stage/Dockerfile --target runtime `
      + `--output type=image,push=true,registry.insecure=true ${stackRoot}/multi-stage`]);
  });

  it('detects the builder with probes only', async () => {
    const calls: string[] = [];
    const probe: Runner = async (argv) => {
      calls.push(argv.join(' '));
      return { code: argv[0] === 'buildah' ? 0 : 1, tail: [] };
    };
    const result = await buildImage({ context: 'demo' }, { stackRoot, target, platform: 'linux/arm64', plainHttp: false, dryRun: true, run: probe });
    expect(calls).toEqual(['docker buildx version', 'buildah --version']);
    expect(result.commands[0]).toMatch(/^buildah /);
  });

  it.each([
    [{ platform: 'linux/' }, 'invalid build platform "linux/" (expected os/arch[/variant])'],
    [{ platform: 'linux/arm/v7' }, 'arm64.build: the recipe builds linux/arm64, not linux/arm/v7'],
    [{ target: 'Quay.io/X/Y:1' }, 'invalid image reference "Quay.io/X/Y:1": repository name must be lowercase'],
  ])('rejects %j', async (change, message) => {
    const err = await buildImage({ context: 'demo' }, {
      stackRoot, target, platform: 'linux/arm64', builder: 'buildah', plainHttp: false, dryRun: true, run: noRun, ...change,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toBe(message);
  });
});
