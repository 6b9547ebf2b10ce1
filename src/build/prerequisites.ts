/**
 * What a build needs from the machine: a builder (docker buildx with an engine, or buildah), and
 * for foreign-architecture RUN steps under buildah, qemu registered with binfmt_misc
 * (docs.kernel.org/admin-guide/binfmt-misc.html). One clear message per missing piece.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Platform } from '../platform.js';
import type { BuilderName } from './commands.js';
import { BuildPrerequisiteError } from './errors.js';
import { defaultRunner, type Runner } from './runner.js';

/** Probes must not hang on a docker daemon that does not answer. */
const PROBE_TIMEOUT_MS = 15_000;

async function succeeds(run: Runner, argv: string[]): Promise<boolean> {
  return (await run(argv, { timeoutMs: PROBE_TIMEOUT_MS })).code === 0;
}

const BUILDAH_MISSING = 'buildah is not installed or not on PATH (Debian/Ubuntu: apt-get install buildah)';

/**
 * The builder to use. Without a preference: buildx when `docker buildx version` works and a docker
 * engine answers `docker info`, else buildah. An explicit buildx needs only the plugin, since a
 * remote or kubernetes builder works without a local engine.
 */
export async function detectBuilder(preferred?: BuilderName, run: Runner = defaultRunner): Promise<BuilderName> {
  if (preferred === 'buildah') {
    if (await succeeds(run, ['buildah', '--version'])) return 'buildah';
    throw new BuildPrerequisiteError(`--builder buildah: ${BUILDAH_MISSING}`);
  }
  const buildx = await succeeds(run, ['docker', 'buildx', 'version']);
  if (preferred === 'buildx') {
    if (buildx) return 'buildx';
    throw new BuildPrerequisiteError('--builder buildx: `docker buildx version` failed: install the docker buildx plugin');
  }
  if (buildx && (await succeeds(run, ['docker', 'info', '--format', '{{.ServerVersion}}']))) return 'buildx';
  if (await succeeds(run, ['buildah', '--version'])) return 'buildah';
  throw new BuildPrerequisiteError(
    'no image builder found: ' + (buildx ? 'docker buildx is installed but no docker engine answers' : 'docker buildx is not installed')
      + `, and ${BUILDAH_MISSING}; install one, or mirror with --no-build`,
  );
}

/** Node's process.arch to the OCI architecture name. */
export function hostArchitecture(nodeArch: string = process.arch): string {
  const names: Record<string, string> = { x64: 'amd64', ia32: '386', arm: 'arm', arm64: 'arm64', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return names[nodeArch] ?? nodeArch;
}

/** The binfmt_misc entry name Debian's qemu-user-static registers for an architecture. */
export function qemuBinfmtName(architecture: string): string {
  const names: Record<string, string> = { arm64: 'aarch64', amd64: 'x86_64', arm: 'arm', ppc64le: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', '386': 'i386' };
  return `qemu-${names[architecture] ?? architecture}`;
}

export interface QemuFacts {
  builder: BuilderName;
  hostArch: string;
  platform: Platform;
  runSteps: number;
  /** Content of /proc/sys/fs/binfmt_misc/qemu-<arch>; undefined when the entry does not exist. */
  binfmtStatus: string | undefined;
  binfmtPath: string;
}

/** Why the build cannot run its RUN steps, or undefined when it can. Pure. */
export function qemuProblem(f: QemuFacts): string | undefined {
  if (f.builder !== 'buildah' || f.runSteps === 0 || f.platform.architecture === f.hostArch) return undefined;
  const what = `${f.runSteps} RUN step(s) for ${f.platform.os}/${f.platform.architecture} on this ${f.hostArch} host`;
  if (f.binfmtStatus === undefined) {
    return `${what} need qemu registered with binfmt_misc, but ${f.binfmtPath} does not exist: `
      + 'install qemu-user-static (Debian registers it; else run scripts/setup-system.sh as root)';
  }
  if (f.binfmtStatus.split('\n')[0]?.trim() !== 'enabled') {
    return `${what} need qemu, but ${f.binfmtPath} is disabled: enable it with "echo 1 > ${f.binfmtPath}" as root`;
  }
  return undefined;
}

export const BINFMT_DIR = '/proc/sys/fs/binfmt_misc';

/** Throws BuildPrerequisiteError when a buildah build's RUN steps cannot execute here. */
export async function checkQemu(
  facts: Omit<QemuFacts, 'binfmtStatus' | 'binfmtPath'>,
  binfmtDir: string = BINFMT_DIR,
): Promise<void> {
  const binfmtPath = join(binfmtDir, qemuBinfmtName(facts.platform.architecture));
  const binfmtStatus = await readFile(binfmtPath, 'utf8').catch(() => undefined);
  const problem = qemuProblem({ ...facts, binfmtStatus, binfmtPath });
  if (problem) throw new BuildPrerequisiteError(problem);
}
