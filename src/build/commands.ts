/**
 * The exact builder commands for one build, as argv arrays. Pure: buildImage runs them.
 * buildx: docs.docker.com/reference/cli/docker/buildx/build/ ; buildah: buildah-build(1),
 * buildah-push(1). buildah always runs with the vfs driver and chroot isolation, which work
 * without kernel overlay support or a daemon, in its own storage folder.
 */
import { join } from 'node:path';
import { formatPlatform, type Platform } from '../platform.js';
import { isLoopback, parseReference } from '../reference.js';
import { isCommitId, redactUrl, type GitContext } from './context.js';
import type { ResolvedRecipe } from './recipe.js';

export type BuilderName = 'buildx' | 'buildah';

export interface BuildCommandInput {
  recipe: ResolvedRecipe;
  /** Reference to push: "127.0.0.1:5000/quay.io/x/y:v1-arm64-build". */
  image: string;
  platform: Platform;
  /** The target registry speaks plain HTTP. */
  plainHttp: boolean;
  /** A FROM image lives on the plain-HTTP registry, so pulls need TLS verification off too. */
  insecurePull: boolean;
  /** Folder for the digest or metadata file and a cloned git context. */
  workDir: string;
  /** buildah storage folder (--root; the run root is inside it). */
  storage: string;
}

/**
 * True when a FROM image is pulled over plain HTTP: from the plain-HTTP target registry, or from a
 * loopback registry (which Docker also reaches without TLS). Upstream bases keep TLS verification.
 */
export function needsInsecurePull(bases: string[], targetRegistry: string, plainHttp: boolean): boolean {
  return bases.some((image) => {
    let host: string;
    try {
      host = parseReference(image).registry;
    } catch {
      return false; // not a reference we can judge; the builder reports it
    }
    return (plainHttp && host === targetRegistry) || isLoopback(host);
  });
}

/** Where a git context is cloned for buildah, and the build context folder inside it. */
export function cloneDir(workDir: string): string {
  return join(workDir, 'source');
}

/** File the builder writes the pushed digest into (buildah --digestfile, buildx --metadata-file). */
export function digestFile(builder: BuilderName, workDir: string): string {
  return join(workDir, builder === 'buildah' ? 'digest' : 'metadata.json');
}

function buildArgs(args: Record<string, string>): string[] {
  return Object.entries(args).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
}

export function buildxCommand(input: BuildCommandInput): string[] {
  const { recipe, image } = input;
  const argv = ['docker', 'buildx', 'build', '--platform', formatPlatform(input.platform), '--progress=plain',
    // Without provenance buildx pushes one image manifest, which mirror composes into the index.
    '--provenance=false', '--metadata-file', digestFile('buildx', input.workDir), '-t', image, ...buildArgs(recipe.args)];
  if (recipe.context.kind === 'local') argv.push('-f', join(recipe.context.path, recipe.dockerfile));
  else if (recipe.dockerfileGiven) argv.push('-f', recipe.dockerfile);
  if (recipe.target) argv.push('--target', recipe.target);
  // --push cannot say "plain HTTP"; the image exporter with push=true can.
  if (input.plainHttp) argv.push('--output', 'type=image,push=true,registry.insecure=true');
  else argv.push('--push');
  argv.push(recipe.context.kind === 'local' ? recipe.context.path : recipe.context.source);
  return argv;
}

/** git commands that put a git context into cloneDir(workDir): shallow for branches and tags. */
export function gitCloneCommands(context: GitContext, workDir: string): string[][] {
  const dir = cloneDir(workDir);
  if (context.ref !== undefined && isCommitId(context.ref)) {
    return [
      ['git', 'clone', '--quiet', '--no-checkout', '--', context.url, dir],
      ['git', '-C', dir, 'checkout', '--quiet', '--detach', context.ref],
    ];
  }
  const branch = context.ref === undefined ? [] : ['--branch', context.ref];
  return [['git', 'clone', '--quiet', '--depth', '1', ...branch, '--', context.url, dir]];
}

/** The folder buildah builds in: the local context, or the subdirectory of the clone. */
export function buildahContextDir(recipe: ResolvedRecipe, workDir: string): string {
  if (recipe.context.kind === 'local') return recipe.context.path;
  return join(cloneDir(workDir), recipe.context.subdir ?? '');
}

function buildahGlobal(storage: string): string[] {
  return ['buildah', '--root', storage, '--runroot', join(storage, 'run'), '--storage-driver', 'vfs'];
}

/** buildah build then push; a git context must already be cloned (gitCloneCommands). */
export function buildahCommands(input: BuildCommandInput): string[][] {
  const { recipe, image, platform } = input;
  const dir = buildahContextDir(recipe, input.workDir);
  const build = [...buildahGlobal(input.storage), 'build', '--isolation', 'chroot',
    '--os', platform.os, '--arch', platform.architecture];
  if (platform.variant) build.push('--variant', platform.variant);
  if (input.insecurePull) build.push('--tls-verify=false');
  build.push(...buildArgs(recipe.args));
  if (recipe.target) build.push('--target', recipe.target);
  build.push('-t', image, '-f', join(dir, recipe.dockerfile), dir);
  const push = [...buildahGlobal(input.storage), 'push'];
  if (input.plainHttp) push.push('--tls-verify=false');
  push.push('--digestfile', digestFile('buildah', input.workDir), image, `docker://${image}`);
  return [build, push];
}

/** One command as a person would paste it into a shell, credentials in URLs hidden. */
export function formatCommand(argv: readonly string[]): string {
  // "#" starts a comment only at the beginning of a word.
  return argv.map((a) => redactUrl(/^[\w@%+=:,./-][\w@%+=:,./#-]*$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
