/** `ampere-images mirror`: options in, one mirror run, a summary (or --json) out, the lock written. */
import { access } from 'node:fs/promises';
import type { Command } from 'commander';
import { inspectImage } from '../../audit/inspect.js';
import { buildImage } from '../../build/index.js';
import { ExitError, InputError } from '../../errors.js';
import { isLoopback } from '../../reference.js';
import { DEFAULT_LOCK, readLock, writeLock, type Lock } from '../../lock.js';
import { sameLock } from '../../mirror/lock-entries.js';
import { parsePlatformFilter, parseTargetRegistry } from '../../mirror/plan.js';
import { createProgress } from '../../mirror/progress.js';
import { runMirror, type MirrorRun, type MirrorSettings } from '../../mirror/run.js';
import { collectSources } from '../../mirror/sources.js';
import { mirrorJson, renderPlan, renderSummary, summarize } from '../../mirror/summary.js';
import { createRegistry, type RegistryOptions } from '../../registry/client.js';
import { createOutput, printJson, type Output } from '../output.js';
import { addRegistryOptions, registryOptionsFrom } from '../registry-options.js';
import { addSourceOptions, sourcesOf, userPath, type SourceOptions } from '../sources.js';

const BUILDERS = ['buildx', 'buildah'] as const;

export interface MirrorCommandOptions extends SourceOptions, Record<string, unknown> {
  registry: string;
  platform?: string;
  lock?: string;
  dryRun?: boolean;
  /** False with --no-build. */
  build?: boolean;
  builder?: string;
  json?: boolean;
  concurrency?: string;
  quiet?: boolean;
  verbose?: boolean;
}

function builderOf(value: string | undefined): MirrorSettings['buildSettings']['builder'] {
  if (value === undefined) return undefined;
  if (!(BUILDERS as readonly string[]).includes(value)) throw new InputError(`--builder "${value}": expected buildx or buildah`);
  return value as (typeof BUILDERS)[number];
}

/** The builder pushes over plain HTTP where the client may: loopback, or --plain-http (bare = the target). */
function targetIsPlainHttp(options: RegistryOptions, registry: string): boolean {
  return isLoopback(registry) || (options.plainHttp ?? []).includes(registry.toLowerCase());
}

/** The lock of earlier runs; one written for another registry is refused rather than overwritten. */
async function previousLock(file: string, registry: string): Promise<Lock | undefined> {
  if (!(await access(file).then(() => true, () => false))) return undefined;
  const lock = await readLock(file);
  if (lock.registry !== registry) {
    throw new InputError(`${file}: written for registry ${lock.registry}, not ${registry}; name another file with --lock`);
  }
  return lock;
}

function render(run: MirrorRun, opts: MirrorCommandOptions, lockFile: string, output: Output): void {
  if (opts.json) return printJson(output, mirrorJson(run, opts.dryRun ? null : lockFile));
  if (opts.dryRun) output.out(renderPlan(run));
  output.out(renderSummary(summarize(run)));
}

export async function mirror(opts: MirrorCommandOptions, cwd: string): Promise<MirrorRun> {
  const output = createOutput(opts);
  const registryHost = parseTargetRegistry(opts.registry);
  const platforms = opts.platform === undefined ? undefined : parsePlatformFilter(opts.platform);
  const builder = builderOf(opts.builder);
  const registryOptions = registryOptionsFrom({ ...opts, registry: registryHost }, output.debug);
  const blobConcurrency = registryOptions.concurrency ?? 8;
  const plainHttp = targetIsPlainHttp(registryOptions, registryHost);
  const lockFile = userPath(cwd, opts.lock ?? DEFAULT_LOCK);
  const lock = await previousLock(lockFile, registryHost);
  const sources = await sourcesOf(opts, cwd);
  const collected = await collectSources(sources, cwd);
  // A file that does not parse hides its images: mirroring the rest would leave them pulling upstream.
  const unreadable = collected.invalid.find((bad) => bad.error.startsWith('invalid YAML: '));
  if (unreadable) throw new InputError(`${unreadable.location}: ${unreadable.error}`);
  for (const bad of collected.invalid) output.warn(`skipped ${bad.location}: ${bad.error}`);

  const registry = createRegistry(registryOptions);
  let run: MirrorRun;
  try {
    const settings: MirrorSettings = {
      registry: registryHost, build: opts.build !== false, dryRun: opts.dryRun === true,
      imageConcurrency: 4, blobConcurrency,
      findAlternative: async (ref) => (await inspectImage(registry, ref)).arm64Alternative,
      buildImage,
      buildSettings: { stackRoot: sources.stack?.root ?? cwd, plainHttp, verbose: output.verbose, log: output.debug, ...(builder ? { builder } : {}) },
      progress: createProgress({
        interactive: output.interactive, quiet: output.quiet || opts.dryRun === true,
        write: (t) => process.stderr.write(t), columns: process.stderr.columns,
      }),
    };
    if (platforms) settings.platforms = platforms;
    if (lock) settings.lock = lock;
    run = await runMirror(registry, collected.images, settings);
  } finally {
    await registry.close();
  }
  // A first run in which every image failed leaves no lock behind rather than an empty one.
  const nothingToRecord = lock === undefined && run.lock.images.length === 0;
  if (!opts.dryRun && !nothingToRecord && !sameLock(lock, run.lock)) await writeLock(lockFile, run.lock);
  render(run, opts, lockFile, output);
  const failed = run.images.filter((i) => i.result === 'failed');
  if (failed.length > 0) {
    throw new ExitError(1, `error: ${failed.length} image(s) failed to mirror:\n${failed.map((f) => `  ${f.source}: ${f.error}`).join('\n')}`);
  }
  return run;
}

export function registerMirror(program: Command): void {
  const cmd = program
    .command('mirror')
    .description('copy the stack\'s images into a registry, filling linux/arm64 from alternates or builds')
    .requiredOption('--registry <HOST[:PORT]>', 'target registry; images land at HOST/<upstream host>/<repository>:<tag>');
  addSourceOptions(cmd, 'image references to mirror')
    .option('--platform <list>', 'only these platforms, e.g. linux/amd64,linux/arm64 (the index is trimmed)')
    .option('--lock <file>', `lock file to read and write (default ${DEFAULT_LOCK})`)
    .option('--dry-run', 'print the plan (copy / compose / build commands / skip) and write nothing')
    .option('--no-build', 'never run a builder; images needing one are reported without arm64')
    .option('--builder <name>', 'buildx or buildah (default: detected)')
    .option('--json', 'print the result as JSON')
    .option('--quiet', 'no progress or diagnostics')
    .option('--verbose', 'log registry requests and builder output');
  addRegistryOptions(cmd);
  cmd.action(async (opts: MirrorCommandOptions) => {
    await mirror(opts, process.cwd());
  });
}
