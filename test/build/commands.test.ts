import { describe, expect, it } from 'vitest';
import {
  buildahCommands, buildxCommand, formatCommand, gitCloneCommands, needsInsecurePull, type BuildCommandInput,
} from '../../src/build/commands.js';
import { parseBuildContext, type GitContext } from '../../src/build/context.js';
import type { ResolvedRecipe } from '../../src/build/recipe.js';

const IMAGE = '127.0.0.1:5000/quay.io/x/y:v1-arm64-build';

function input(recipe: Partial<ResolvedRecipe>, more: Partial<BuildCommandInput> = {}): BuildCommandInput {
  return {
    recipe: { context: { kind: 'local', path: '/stack/images/y' }, dockerfile: 'Dockerfile', dockerfileGiven: false, args: {}, platforms: ['linux/arm64'], ...recipe },
    image: IMAGE, platform: { os: 'linux', architecture: 'arm64' }, plainHttp: false, insecurePull: false,
    workDir: '/tmp/w', storage: '/cache/buildah', ...more,
  };
}

const git = (source: string): GitContext => parseBuildContext(source, 'test') as GitContext;

describe('buildx command', () => {
  it('pushes to a TLS registry with --push', () => {
    expect(buildxCommand(input({}))).toEqual([
      'docker', 'buildx', 'build', '--platform', 'linux/arm64', '--progress=plain', '--provenance=false',
      '--metadata-file', '/tmp/w/metadata.json', '-t', IMAGE, '-f', '/stack/images/y/Dockerfile', '--push', '/stack/images/y',
    ]);
  });

  it('uses the image exporter with registry.insecure for a plain-HTTP registry', () => {
    const argv = buildxCommand(input({}, { plainHttp: true }));
    expect(argv).not.toContain('--push');
    expect(argv.slice(-3)).toEqual(['--output', 'type=image,push=true,registry.insecure=true', '/stack/images/y']);
  });

  it('passes build args in order, the stage target and the Dockerfile', () => {
    const argv = buildxCommand(input({ args: { VERSION: 'v0.11.0', GOARM: '' }, target: 'runtime', dockerfile: 'build/Dockerfile.arm64' }));
    expect(argv.join(' ')).toContain('--build-arg VERSION=v0.11.0 --build-arg GOARM= -f /stack/images/y/build/Dockerfile.arm64 --target runtime --push');
  });

  it('hands a git context to buildx unchanged, with -f only when the recipe names a Dockerfile', () => {
    const context = git('https://github.com/x/y.git#v1.2.0:build');
    expect(buildxCommand(input({ context })).slice(-2)).toEqual(['--push', 'https://github.com/x/y.git#v1.2.0:build']);
    expect(buildxCommand(input({ context })).includes('-f')).toBe(false);
    const named = buildxCommand(input({ context, dockerfile: 'Dockerfile.arm64', dockerfileGiven: true }));
    expect(named.join(' ')).toContain('-f Dockerfile.arm64 --push https://github.com/x/y.git#v1.2.0:build');
  });

  it('builds other platforms too', () => {
    const argv = buildxCommand(input({}, { platform: { os: 'linux', architecture: 'arm', variant: 'v7' } }));
    expect(argv.slice(3, 5)).toEqual(['--platform', 'linux/arm/v7']);
  });
});

describe('buildah commands', () => {
  const storage = ['buildah', '--root', '/cache/buildah', '--runroot', '/cache/buildah/run', '--storage-driver', 'vfs'];

  it('builds with vfs and chroot, then pushes with a digest file', () => {
    expect(buildahCommands(input({ args: { A: '1' }, target: 'final' }))).toEqual([
      [...storage, 'build', '--isolation', 'chroot', '--os', 'linux', '--arch', 'arm64', '--build-arg', 'A=1',
        '--target', 'final', '-t', IMAGE, '-f', '/stack/images/y/Dockerfile', '/stack/images/y'],
      [...storage, 'push', '--digestfile', '/tmp/w/digest', IMAGE, `docker://${IMAGE}`],
    ]);
  });

  it('turns TLS verification off only where plain HTTP is used', () => {
    const [build, push] = buildahCommands(input({}, { plainHttp: true, insecurePull: false }));
    expect(build).not.toContain('--tls-verify=false');
    expect(push).toContain('--tls-verify=false');
    const [pullBuild] = buildahCommands(input({}, { plainHttp: true, insecurePull: true }));
    expect(pullBuild).toContain('--tls-verify=false');
  });

  it('passes the variant of arm platforms', () => {
    const [build] = buildahCommands(input({}, { platform: { os: 'linux', architecture: 'arm', variant: 'v7' } }));
    expect(build!.join(' ')).toContain('--os linux --arch arm --variant v7 -t');
  });

  it('builds a git context from its clone and subdirectory', () => {
    const [build] = buildahCommands(input({ context: git('file:///srv/y.git#v1:docker/arm64'), dockerfile: 'Dockerfile.arm64' }));
    expect(build!.slice(-3)).toEqual(['-f', '/tmp/w/source/docker/arm64/Dockerfile.arm64', '/tmp/w/source/docker/arm64']);
  });
});

describe('git clone commands', () => {
  it.each([
    ['https://github.com/x/y.git#v1.2.0:build', [['git', 'clone', '--quiet', '--depth', '1', '--branch', 'v1.2.0', '--', 'https://github.com/x/y.git', '/tmp/w/source']]],
    ['file:///srv/y.git', [['git', 'clone', '--quiet', '--depth', '1', '--', 'file:///srv/y.git', '/tmp/w/source']]],
    ['https://h/y.git#0123456789abcdef0123456789abcdef01234567', [
      ['git', 'clone', '--quiet', '--no-checkout', '--', 'https://h/y.git', '/tmp/w/source'],
      ['git', '-C', '/tmp/w/source', 'checkout', '--quiet', '--detach', '0123456789abcdef0123456789abcdef01234567'],
    ]],
  ])('%s', (source, expected) => {
    expect(gitCloneCommands(git(source), '/tmp/w')).toEqual(expected);
  });
});

describe('needsInsecurePull', () => {
  it.each([
    [['127.0.0.1:5000/quay.io/base:1'], '127.0.0.1:5000', true, true],
    [['registry.lan:5000/base:1'], 'registry.lan:5000', true, true],
    [['registry.lan:5000/base:1'], 'registry.lan:5000', false, false],
    [['docker.io/library/golang:1.22', 'registry.lan:5000/base:1'], 'registry.lan:5000', true, true],
    [['docker.io/library/golang:1.22'], 'registry.lan:5000', true, false],
    [['localhost:5001/base:1'], 'registry.lan:5000', false, true],
    [['127.0.0.2:5001/base:1'], 'registry.lan:5000', false, true],
    [['$UNSET'], 'registry.lan:5000', true, false],
  ])('%j on %s (plain %s) -> %s', (bases, target, plain, expected) => {
    expect(needsInsecurePull(bases, target, plain)).toBe(expected);
  });
});

describe('formatCommand', () => {
  it('quotes what a shell would split and hides URL credentials', () => {
    expect(formatCommand(['docker', 'buildx', 'build', '--build-arg', 'MSG=hello world', 'https://user:tok3n@git.example/x.git#v1']))
      .toBe("docker buildx build --build-arg 'MSG=hello world' https://***@git.example/x.git#v1");
    expect(formatCommand(['echo', "it's"])).toBe(`echo 'it'\\''s'`);
  });
});
