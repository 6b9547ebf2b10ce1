/**
 * Fixtures for build tests, made without the project's own code: an arm64 base image built with
 * buildah from Debian's arm64 busybox-static package (cached by scripts/setup-system.sh), pushed
 * to a test registry; and a local bare git repository holding a recipe.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

export const exec = promisify(execFile);

export function debCacheDir(): string {
  return process.env.AMPERE_DEB_CACHE
    ?? join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ampere-images', 'debs');
}

/** Path of the cached busybox-static arm64 .deb; fetched with apt-get download when missing. */
export async function busyboxDeb(): Promise<string> {
  const dir = debCacheDir();
  const find = (): string | undefined => (existsSync(dir)
    ? readdirSync(dir).find((f) => /^busybox-static_.*_arm64\.deb$/.test(f)) : undefined);
  if (!find()) {
    mkdirSync(dir, { recursive: true });
    await exec('apt-get', ['download', '-qq', 'busybox-static:arm64'], { cwd: dir }).catch((err: Error) => {
      throw new Error(`busybox-static:arm64 is not cached in ${dir} and apt-get download failed `
        + `(run scripts/setup-system.sh as root): ${err.message}`);
    });
  }
  const file = find();
  if (!file) throw new Error(`apt-get download left no busybox-static arm64 .deb in ${dir}`);
  return join(dir, file);
}

const APPLETS = ['sh', 'echo', 'cat', 'ls', 'mkdir', 'uname', 'false', 'true'];

/** A root filesystem with the arm64 busybox binary and the applet links RUN steps use. */
export async function busyboxRootfs(dir: string): Promise<void> {
  await exec('dpkg-deb', ['-x', await busyboxDeb(), dir]);
  rmSync(join(dir, 'usr', 'share', 'doc'), { recursive: true, force: true });
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  for (const applet of APPLETS) symlinkSync('busybox', join(dir, 'bin', applet));
}

/** buildah's global flags for a private vfs store, so tests never share or touch other storage. */
export function storageFlags(storage: string): string[] {
  return ['--root', storage, '--runroot', join(storage, 'run'), '--storage-driver', 'vfs'];
}

/** Build "HOST/test/busybox-arm64:1" with buildah from scratch and push it; returns the reference. */
export async function pushArm64Base(host: string, storage: string): Promise<string> {
  const rootfs = mkdtempSync(join(tmpdir(), 'ampere-rootfs-'));
  const ref = `${host}/test/busybox-arm64:1`;
  const bah = (...args: string[]) => exec('buildah', [...storageFlags(storage), ...args], { maxBuffer: 1 << 24 });
  try {
    await busyboxRootfs(rootfs);
    const { stdout } = await bah('from', '--arch', 'arm64', 'scratch');
    const container = stdout.trim();
    await bah('copy', container, `${rootfs}/`, '/');
    await bah('config', '--os', 'linux', '--arch', 'arm64', '--cmd', '/bin/sh', container);
    await bah('commit', '--quiet', container, ref);
    await bah('push', '--quiet', '--tls-verify=false', ref, `docker://${ref}`);
    return ref;
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
}

/** Write files (path -> content) under `root`, creating folders. */
export function writeTree(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

/** A bare repository at ROOT/repo.git whose tag `tag` holds `files`; returns its file:// URL. */
export async function bareRepo(root: string, files: Record<string, string>, tag: string): Promise<string> {
  const work = join(root, 'work');
  const bare = join(root, 'repo.git');
  writeTree(work, files);
  const git = (cwd: string, ...args: string[]) => exec('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], { cwd });
  await git(root, 'init', '--quiet', '--bare', bare);
  await git(work, 'init', '--quiet', '--initial-branch', 'main');
  await git(work, 'add', '.');
  await git(work, 'commit', '--quiet', '-m', 'recipe');
  await git(work, 'tag', tag);
  await git(work, 'push', '--quiet', bare, 'main', tag);
  return `file://${bare}`;
}

/** Folders to remove after a test file; vfs stores can be large. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `ampere-${prefix}-`));
}
