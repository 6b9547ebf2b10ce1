/**
 * The images of a stack catalog: what its components' manifests reference, plus the images the
 * catalog declares (run-time images an operator pulls, extra images), located at the catalog.
 */
import { relative, resolve } from 'node:path';
import type { Stack, StackComponent } from '../stack-types.js';
import { discoverImages } from './discover.js';
import { mergeDiscoveries, type Discovery } from './discovery.js';

/** Manifests and declared images of one component. */
export async function discoverComponent(stack: Stack, component: StackComponent, cwd: string): Promise<Discovery> {
  const paths = component.manifests.map((p) => resolve(stack.root, p));
  const found = paths.length > 0 ? await discoverImages(paths, { cwd }) : { images: [], invalid: [] };
  // stack.file is as given to loadStack: relative to the process, not to cwd.
  const location = `${relative(cwd, resolve(stack.file))}: component ${component.name}`;
  const declared: Discovery = {
    images: component.images.map((img) => ({ ref: img.ref, written: img.ref, locations: [location] })),
    invalid: [],
  };
  return mergeDiscoveries([found, declared]);
}

export async function discoverStack(stack: Stack, cwd: string): Promise<Discovery> {
  const parts: Discovery[] = [];
  for (const component of stack.components) parts.push(await discoverComponent(stack, component, cwd));
  return mergeDiscoveries(parts);
}
