/** `ampere-images images`: every image reference found, and where (DESIGN.md "images --json"). */
import Table from 'cli-table3';
import type { Command } from 'commander';
import { discoverImages } from '../../manifests/discover.js';
import { mergeDiscoveries, type Discovery } from '../../manifests/discovery.js';
import { discoverStack } from '../../manifests/stack-images.js';
import { createOutput, printJson, type Output } from '../output.js';
import { addSourceOptions, sourcesOf } from '../sources.js';

export interface ImagesOptions {
  stack?: string;
  manifests?: string[];
  json?: boolean;
  quiet?: boolean;
  /** Folder that relative paths resolve against and locations are relative to. */
  cwd?: string;
}

export async function listImages(opts: ImagesOptions, output: Output): Promise<Discovery> {
  const cwd = opts.cwd ?? process.cwd();
  const parts: Discovery[] = [];
  const sources = await sourcesOf(opts, cwd, ['--stack', '--manifests']);
  if (sources.stack) parts.push(await discoverStack(sources.stack, cwd));
  if (sources.manifests) parts.push(await discoverImages(sources.manifests, { cwd }));
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
  const cmd = program
    .command('images')
    .description('list every image reference found, with where it was found');
  addSourceOptions(cmd)
    .option('--json', 'print {images: [{ref, written, locations}], invalid: [{value, location, error}]}')
    .option('--quiet', 'no summary line on stderr')
    .action(async (opts: ImagesOptions) => {
      await listImages(opts, createOutput(opts));
    });
}
