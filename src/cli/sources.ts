/**
 * Where a command's images come from: --stack, --manifests, --image, any mix; with none, the
 * default stack file (DESIGN.md "Commands"). Shared by images, audit and mirror.
 */
import { access } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import type { AuditSources } from '../audit/collect.js';
import { InputError } from '../errors.js';
import { loadStack } from '../stack.js';

export const DEFAULT_STACK = 'images/stack.yaml';

export interface SourceOptions {
  stack?: string;
  manifests?: string[];
  image?: string[];
}

/** --stack and --manifests, and --image when `imageHelp` says what the command does with them. */
export function addSourceOptions(cmd: Command, imageHelp?: string): Command {
  cmd.option('--stack <file>', `stack catalog (default ${DEFAULT_STACK} when no other source is given)`)
    .option('--manifests <path...>', 'manifest files or folders to scan (kustomize folders are built as kustomize would)');
  if (imageHelp !== undefined) cmd.option('--image <ref...>', imageHelp);
  return cmd;
}

/** A path under `cwd`, written relative to the process's folder so messages read the way the user typed them. */
export function userPath(cwd: string, path: string): string {
  return relative(process.cwd(), resolve(cwd, path)) || '.';
}

/** "--stack, --manifests or --image" */
function flagList(flags: string[]): string {
  return flags.length < 2 ? flags.join('') : `${flags.slice(0, -1).join(', ')} or ${flags.at(-1)}`;
}

/** The sources given, or the default stack; paths resolve against `cwd` (see userPath). */
export async function sourcesOf(opts: SourceOptions, cwd: string, flags = ['--stack', '--manifests', '--image']): Promise<AuditSources> {
  const sources: AuditSources = {};
  let stackFile = opts.stack;
  if (opts.stack === undefined && opts.manifests === undefined && opts.image === undefined) {
    if (!(await access(resolve(cwd, DEFAULT_STACK)).then(() => true, () => false))) {
      throw new InputError(`nothing to scan: give ${flagList(flags)} (${DEFAULT_STACK} not found)`);
    }
    stackFile = DEFAULT_STACK;
  }
  if (stackFile !== undefined) sources.stack = await loadStack(userPath(cwd, stackFile));
  if (opts.manifests) sources.manifests = opts.manifests;
  if (opts.image) sources.images = opts.image;
  return sources;
}
