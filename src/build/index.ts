/**
 * Rebuild a missing arm64 variant from a recipe and push it to the mirror registry. mirror calls
 * buildImage with the tag to push ("127.0.0.1:5000/quay.io/x/y:v1-arm64-build") and composes the
 * pushed manifest into the image's multi-arch index.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { formatPlatform, parsePlatform, type Platform } from '../platform.js';
import { isSha256Digest, parseReference } from '../reference.js';
import type { BuildRecipe } from '../stack-types.js';
import {
  buildahCommands, buildahContextDir, buildxCommand, digestFile, formatCommand, gitCloneCommands, needsInsecurePull,
  type BuildCommandInput, type BuilderName,
} from './commands.js';
import { redactUrl } from './context.js';
import { dockerfileFacts, type DockerfileFacts } from './dockerfile.js';
import { BuildError, BuildPrerequisiteError } from './errors.js';
import { checkQemu, detectBuilder, hostArchitecture } from './prerequisites.js';
import { resolveRecipe, type ResolvedRecipe } from './recipe.js';
import { defaultRunner, type Runner } from './runner.js';

export type { BuilderName } from './commands.js';
export { BuildError, BuildPrerequisiteError } from './errors.js';
export { detectBuilder } from './prerequisites.js';
export { validateRecipe } from './recipe.js';
export { createRunner, type Runner, type RunResult } from './runner.js';

export interface BuildOptions {
  /** Folder that local recipe contexts resolve against (the stack's root). */
  stackRoot: string;
  /** Reference to push: "127.0.0.1:5000/quay.io/x/y:v1-arm64-build". */
  target: string;
  /** "linux/arm64". */
  platform: string;
  /** Default: detected (buildx with a docker engine, else buildah). */
  builder?: BuilderName;
  /** The target registry speaks plain HTTP. */
  plainHttp: boolean;
  /** Return the commands without running a build. */
  dryRun?: boolean;
  /** Stream the builder's output and the commands to `log`. */
  verbose?: boolean;
  log?: (line: string) => void;
  run?: Runner;
  /** buildah storage folder; default ~/.cache/ampere-images/buildah (kept: base images are reused). */
  storage?: string;
}

export interface BuildResult {
  /** Digest of the pushed image manifest; "" in a dry run. */
  digest: string;
  /** The commands, as a person would type them. */
  commands: string[];
}

/** buildah's own folder: vfs storage must not meet an overlay store in the default location. */
export function defaultStorage(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ampere-images', 'buildah');
}

function checkedOptions(opts: BuildOptions): { platform: Platform; registry: string } {
  const registry = parseReference(opts.target).registry;
  try {
    return { platform: parsePlatform(opts.platform), registry };
  } catch {
    throw new InputError(`invalid build platform "${opts.platform}" (expected os/arch[/variant])`);
  }
}

/** Dockerfile facts when the Dockerfile is on disk (local context, or a clone for buildah). */
async function readFacts(recipe: ResolvedRecipe, builder: BuilderName, workDir: string, cloned: boolean): Promise<DockerfileFacts | undefined> {
  if (recipe.context.kind === 'git' && (builder === 'buildx' || !cloned)) return undefined;
  const path = join(buildahContextDir(recipe, workDir), recipe.dockerfile);
  const text = await readFile(path, 'utf8').catch(() => {
    const where = recipe.context.kind === 'git' ? redactUrl(recipe.context.source) : 'arm64.build';
    throw new InputError(`${where}: Dockerfile "${recipe.dockerfile}" not found`);
  });
  return dockerfileFacts(text, recipe.args);
}

function commandLabel(argv: readonly string[]): string {
  const verb = argv.find((a) => ['build', 'push', 'clone', 'checkout'].includes(a));
  return [argv[0] === 'docker' ? 'docker buildx' : argv[0], verb].filter(Boolean).join(' ');
}

async function runStep(argv: string[], opts: BuildOptions, run: Runner): Promise<void> {
  const log = opts.log ?? (() => undefined);
  if (opts.verbose) log(`$ ${formatCommand(argv)}`);
  // git must fail rather than wait for a password on the terminal.
  const env: Record<string, string> = argv[0] === 'git' ? { GIT_TERMINAL_PROMPT: '0' } : {};
  const result = await run(argv, opts.verbose ? { onLine: log, env } : { env });
  if (result.code === 127) throw new BuildPrerequisiteError(`${argv[0]} is not installed or not on PATH`);
  if (result.code !== 0) throw new BuildError(commandLabel(argv), result.code, opts.target, result.tail);
}

async function pushedDigest(builder: BuilderName, workDir: string, target: string): Promise<string> {
  const text = await readFile(digestFile(builder, workDir), 'utf8').catch(() => '');
  let digest = text.trim();
  if (builder === 'buildx') {
    try {
      const meta: unknown = JSON.parse(text);
      digest = String((meta as Record<string, unknown>)['containerimage.digest'] ?? '');
    } catch {
      digest = '';
    }
  }
  if (!isSha256Digest(digest)) throw new Error(`building ${target}: ${builder} wrote no image digest to ${digestFile(builder, workDir)}`);
  return digest;
}

export async function buildImage(recipe: BuildRecipe, opts: BuildOptions): Promise<BuildResult> {
  const run = opts.run ?? defaultRunner;
  const { platform, registry } = checkedOptions(opts);
  const resolved = await resolveRecipe(recipe, opts.stackRoot);
  if (!resolved.platforms.includes(formatPlatform(platform))) {
    throw new InputError(`arm64.build: the recipe builds ${resolved.platforms.join(', ')}, not ${formatPlatform(platform)}`);
  }
  const builder = opts.dryRun && opts.builder ? opts.builder : await detectBuilder(opts.builder, run);
  const workDir = opts.dryRun ? join(tmpdir(), 'ampere-build-XXXXXX') : await mkdtemp(join(tmpdir(), 'ampere-build-'));
  try {
    const clone = builder === 'buildah' && resolved.context.kind === 'git' ? gitCloneCommands(resolved.context, workDir) : [];
    if (!opts.dryRun) for (const argv of clone) await runStep(argv, opts, run);
    const facts = await readFacts(resolved, builder, workDir, !opts.dryRun);
    const input: BuildCommandInput = {
      recipe: resolved, image: opts.target, platform, plainHttp: opts.plainHttp, workDir,
      insecurePull: needsInsecurePull(facts?.bases ?? [], registry, opts.plainHttp),
      storage: opts.storage ?? defaultStorage(),
    };
    const steps = builder === 'buildx' ? [buildxCommand(input)] : buildahCommands(input);
    const commands = [...clone, ...steps].map(formatCommand);
    if (opts.dryRun) return { digest: '', commands };
    if (facts) await checkQemu({ builder, hostArch: hostArchitecture(), platform, runSteps: facts.runSteps });
    for (const argv of steps) await runStep(argv, opts, run);
    return { digest: await pushedDigest(builder, workDir, opts.target), commands };
  } finally {
    if (!opts.dryRun) await rm(workDir, { recursive: true, force: true });
  }
}
