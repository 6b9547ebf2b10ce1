/**
 * The references an audit inspects: from the stack's components (their manifests plus declared
 * and run-time images), from manifest folders, or given one by one. One target per distinct
 * canonical reference, with every component and location that uses it merged.
 */
import { InputError } from '../errors.js';
import { discoverImages } from '../manifests/discover.js';
import type { InvalidImage } from '../manifests/discovery.js';
import { discoverComponent } from '../manifests/stack-images.js';
import { formatReference, parseReference } from '../reference.js';
import type { Stack } from '../stack-types.js';

export type { InvalidImage };

export interface AuditTarget {
  /** Canonical: "quay.io/coreos/flannel:v0.11.0". */
  ref: string;
  /** Stack components using it, in stack order. */
  components: string[];
  /** Sorted: "manifests/canal/canal.yaml: DaemonSet kube-system/canal …image". */
  locations: string[];
  /** Declared arm64 alternates (stack `arm64.from`). */
  alternates: string[];
}

export interface AuditSources {
  stack?: Stack;
  /** Manifest files or folders (`--manifests`), relative to `cwd`. */
  manifests?: string[];
  /** References given on the command line (`--image`). */
  images?: string[];
}

export interface Collection {
  targets: AuditTarget[];
  invalid: InvalidImage[];
}

class Targets {
  private readonly byRef = new Map<string, { components: string[]; locations: Set<string>; alternates: string[] }>();

  add(ref: string, use: { component?: string; locations?: string[]; alternate?: string }): void {
    let entry = this.byRef.get(ref);
    if (!entry) {
      entry = { components: [], locations: new Set(), alternates: [] };
      this.byRef.set(ref, entry);
    }
    if (use.component !== undefined && !entry.components.includes(use.component)) entry.components.push(use.component);
    for (const l of use.locations ?? []) entry.locations.add(l);
    if (use.alternate !== undefined && !entry.alternates.includes(use.alternate)) entry.alternates.push(use.alternate);
  }

  list(): AuditTarget[] {
    return [...this.byRef.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([ref, e]) => ({ ref, components: e.components, locations: [...e.locations].sort(), alternates: e.alternates }));
  }
}

async function addStack(targets: Targets, invalid: InvalidImage[], stack: Stack, cwd: string): Promise<void> {
  for (const component of stack.components) {
    const found = await discoverComponent(stack, component, cwd);
    for (const image of found.images) targets.add(image.ref, { component: component.name, locations: image.locations });
    invalid.push(...found.invalid);
    for (const image of component.images) {
      if (image.arm64?.from !== undefined) targets.add(image.ref, { alternate: image.arm64.from });
    }
  }
}

/** Gather the targets; an invalid `--image` is bad input, invalid values in manifests are reported. */
export async function collectTargets(sources: AuditSources, cwd: string): Promise<Collection> {
  const targets = new Targets();
  const invalid: InvalidImage[] = [];
  if (sources.stack) await addStack(targets, invalid, sources.stack, cwd);
  if (sources.manifests && sources.manifests.length > 0) {
    const found = await discoverImages(sources.manifests, { cwd });
    for (const image of found.images) targets.add(image.ref, { locations: image.locations });
    invalid.push(...found.invalid);
  }
  for (const value of sources.images ?? []) {
    let ref: string;
    try {
      ref = formatReference(parseReference(value));
    } catch (err) {
      throw new InputError(`--image: ${err instanceof Error ? err.message : String(err)}`);
    }
    targets.add(ref, { locations: ['--image'] });
  }
  return { targets: targets.list(), invalid };
}
