import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BuildPrerequisiteError } from '../../src/build/errors.js';
import { buildImage } from '../../src/build/index.js';
import { checkQemu, detectBuilder, hostArchitecture, qemuProblem, type QemuFacts } from '../../src/build/prerequisites.js';
import { createRunner, type Runner } from '../../src/build/runner.js';

const dirs: string[] = [];
function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ampere-prereq-'));
  dirs.push(d);
  return d;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A PATH folder holding only the named programs of this machine. */
function pathWith(...programs: string[]): string {
  const bin = dir();
  for (const p of programs) {
    const real = ['/usr/bin', '/usr/local/bin'].map((d) => join(d, p)).find((f) => existsSync(f));
    if (!real) throw new Error(`${p} is not installed on this machine`);
    symlinkSync(real, join(bin, p));
  }
  return bin;
}

/** A runner that answers from a table by the command line, recording what was asked. */
function scripted(codes: Record<string, number>): Runner & { calls: string[] } {
  const calls: string[] = [];
  const run = (async (argv: readonly string[]) => {
    const line = argv.join(' ');
    calls.push(line);
    const code = codes[line];
    if (code === undefined) throw new Error(`unexpected command: ${line}`);
    return { code, tail: [] };
  }) as Runner & { calls: string[] };
  run.calls = calls;
  return run;
}

const BUILDX = 'docker buildx version';
const INFO = 'docker info --format {{.ServerVersion}}';
const BUILDAH = 'buildah --version';

describe('detectBuilder on this machine', () => {
  it('finds buildah when it is on PATH', async () => {
    expect(await detectBuilder(undefined, createRunner({ env: { PATH: pathWith('buildah', 'docker') } }))).toBe('buildah');
    expect(await detectBuilder('buildah', createRunner({ env: { PATH: pathWith('buildah') } }))).toBe('buildah');
  });

  it('says what to install when PATH has no buildah', async () => {
    const run = createRunner({ env: { PATH: pathWith('docker') } });
    await expect(detectBuilder('buildah', run)).rejects.toThrow(new BuildPrerequisiteError(
      '--builder buildah: buildah is not installed or not on PATH (Debian/Ubuntu: apt-get install buildah)'));
    await expect(detectBuilder(undefined, run)).rejects.toThrow(new BuildPrerequisiteError(
      'no image builder found: docker buildx is not installed, and buildah is not installed or not on PATH '
      + '(Debian/Ubuntu: apt-get install buildah); install one, or mirror with --no-build'));
  });

  it('refuses --builder buildx without the buildx plugin', async () => {
    await expect(detectBuilder('buildx', createRunner({ env: { PATH: pathWith('docker', 'buildah') } })))
      .rejects.toThrow('--builder buildx: `docker buildx version` failed: install the docker buildx plugin');
  });

  it('stops buildImage before anything runs when the builder is missing', async () => {
    const err = await buildImage({ context: 'demo' }, {
      stackRoot: resolve('test/fixtures/build'), target: '127.0.0.1:5000/x/y:1', platform: 'linux/arm64',
      builder: 'buildah', plainHttp: true, run: createRunner({ env: { PATH: dir() } }),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildPrerequisiteError);
    expect((err as Error).message).toContain('buildah is not installed');
  });
});

describe('detectBuilder decisions', () => {
  it.each([
    [{ [BUILDX]: 0, [INFO]: 0 }, undefined, 'buildx', [BUILDX, INFO]],
    [{ [BUILDX]: 0, [INFO]: 1, [BUILDAH]: 0 }, undefined, 'buildah', [BUILDX, INFO, BUILDAH]],
    [{ [BUILDX]: 1, [BUILDAH]: 0 }, undefined, 'buildah', [BUILDX, BUILDAH]],
    [{ [BUILDX]: 0 }, 'buildx', 'buildx', [BUILDX]],
    [{ [BUILDAH]: 0 }, 'buildah', 'buildah', [BUILDAH]],
  ] as const)('%j preferring %s -> %s', async (codes, preferred, expected, calls) => {
    const run = scripted(codes);
    expect(await detectBuilder(preferred, run)).toBe(expected);
    expect(run.calls).toEqual(calls);
  });

  it('names the missing engine when buildx is there but docker does not answer', async () => {
    await expect(detectBuilder(undefined, scripted({ [BUILDX]: 0, [INFO]: 1, [BUILDAH]: 127 })))
      .rejects.toThrow(/^no image builder found: docker buildx is installed but no docker engine answers, and buildah/);
  });
});

describe('qemu for foreign RUN steps', () => {
  const base: QemuFacts = {
    builder: 'buildah', hostArch: 'amd64', platform: { os: 'linux', architecture: 'arm64' }, runSteps: 2,
    binfmtStatus: 'enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\n', binfmtPath: '/proc/sys/fs/binfmt_misc/qemu-aarch64',
  };

  it.each([
    ['registered and enabled', {}, undefined],
    ['no RUN steps', { runSteps: 0, binfmtStatus: undefined }, undefined],
    ['an arm64 host', { hostArch: 'arm64', binfmtStatus: undefined }, undefined],
    ['buildx (its builder brings its own emulation or native nodes)', { builder: 'buildx', binfmtStatus: undefined }, undefined],
    ['not registered', { binfmtStatus: undefined },
      '2 RUN step(s) for linux/arm64 on this amd64 host need qemu registered with binfmt_misc, but /proc/sys/fs/binfmt_misc/qemu-aarch64 does not exist: '
      + 'install qemu-user-static (Debian registers it; else run scripts/setup-system.sh as root)'],
    ['disabled', { binfmtStatus: 'disabled\n' },
      '2 RUN step(s) for linux/arm64 on this amd64 host need qemu, but /proc/sys/fs/binfmt_misc/qemu-aarch64 is disabled: '
      + 'enable it with "echo 1 > /proc/sys/fs/binfmt_misc/qemu-aarch64" as root'],
  ] as const)('%s', (_name, change, expected) => {
    expect(qemuProblem({ ...base, ...change })).toBe(expected);
  });

  it('reads the binfmt_misc entry of the target architecture', async () => {
    const binfmt = dir();
    const facts = { builder: 'buildah', hostArch: 'amd64', platform: { os: 'linux', architecture: 'arm', variant: 'v7' }, runSteps: 1 } as const;
    await expect(checkQemu(facts, binfmt)).rejects.toThrow(`${join(binfmt, 'qemu-arm')} does not exist`);
    writeFileSync(join(binfmt, 'qemu-arm'), 'disabled\n');
    await expect(checkQemu(facts, binfmt)).rejects.toThrow('is disabled');
    writeFileSync(join(binfmt, 'qemu-arm'), 'enabled\n');
    await expect(checkQemu(facts, binfmt)).resolves.toBeUndefined();
  });

  it('passes on this machine, where setup-system.sh registered qemu-aarch64', async () => {
    expect(hostArchitecture()).toBe(hostArchitecture(process.arch));
    await expect(checkQemu({ builder: 'buildah', hostArch: hostArchitecture(), platform: { os: 'linux', architecture: 'arm64' }, runSteps: 1 }))
      .resolves.toBeUndefined();
  });

  it('maps node architectures to OCI names', () => {
    expect(['x64', 'arm64', 'ppc64', 'mips'].map((a) => hostArchitecture(a))).toEqual(['amd64', 'arm64', 'ppc64le', 'mips']);
  });
});
