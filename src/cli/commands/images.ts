/** `ampere-images images`: every image reference found, and where (DESIGN.md "images --json"). */
import { access } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import Table from 'cli-table3';
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { discoverImages } from '../../manifests/discover.js';
import { mergeDiscoveries, type Discovery } from '../../manifests/discovery.js';
import { discoverStack } from '../../manifests/stack-images.js';
import { loadStack } from '../../stack.js';
import { createOutput, printJson, type Output } from '../output.js';

const DEFAULT_STACK = 'images/stack.yaml';

export interface ImagesOptions {
  stack?: string;
  manifests?: string[];
  json?: boolean;
  quiet?: boolean;
  /** Folder that relative paths resolve against and locations are relative to. */
  cwd?: string;
}

async function stackFileOf(opts: ImagesOptions, cwd: string): Promise<string | undefined> {
  if (opts.stack !== undefined) return opts.stack;
  if (opts.manifests !== undefined) return undefined;
  const exists = await access(resolve(cwd, DEFAULT_STACK)).then(() => true, () => false);
  if (!exists) throw new InputError(`nothing to scan: give --stack or --manifests (${DEFAULT_STACK} not found)`);
  return DEFAULT_STACK;
}

export async function listImages(opts: ImagesOptions, output: Output): Promise<Discovery> {
  const cwd = opts.cwd ?? process.cwd();
  const parts: Discovery[] = [];
  const stackFile = await stackFileOf(opts, cwd);
  if (stackFile !== undefined) {
    // Relative to the process's folder so messages name the file the way the user wrote it.
    parts.push(await discoverStack(await loadStack(relative(process.cwd(), resolve(cwd, stackFile))), cwd));
  }
  if (opts.manifests !== undefined) parts.push(await discoverImages(opts.manifests, { cwd }));
  const found = mergeDiscoveries(parts);
  if (opts.json) printJson(output, found);
  else render(found, output);
  return found;
}

function render(found: Discovery, output: Output): void {
  const images = new Table({ head: ['image', 'found at'], style: { head: [], border: [] } });
  // One row per location: cli-table3 takes cubic time over a multi-line cell (100 lines: 40 s).
  for (const img of found.images) {
    const [first = '', ...rest] = img.locations;
    images.push([{ content: img.ref, rowSpan: rest.length + 1 }, first]);
    for (const loc of rest) images.push([loc]);
  }
  output.out(images.toString());
  if (found.invalid.length > 0) {
    const invalid = new Table({ head: ['not an image reference', 'at', 'why'], style: { head: [], border: [] } });
    for (const bad of found.invalid) invalid.push([bad.value, bad.location, bad.error]);
    output.out(invalid.toString());
  }
  output.info(`${found.images.length} image(s), ${found.invalid.length} invalid`);
}

export function registerImages(program: Command): void {
  program
    .command('images')
    .description('list every image reference found, with where it was found')
    .option('--stack <file>', `stack catalog (default ${DEFAULT_STACK} when --manifests is not given)`)
    .option('--manifests <path...>', 'manifest files or folders to scan (kustomize folders are built as kustomize would)')
    .option('--json', 'print {images: [{ref, written, locations}], invalid: [{value, location, error}]}')
    .option('--quiet', 'no summary line on stderr')
    .action(async (opts: ImagesOptions) => {
      await listImages(opts, createOutput(opts));
    });
}
