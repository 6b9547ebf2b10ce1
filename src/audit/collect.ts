/**
 * The references an audit inspects: from the stack's components (their manifests plus declared
 * and run-time images), from manifest folders, or given one by one. One target per distinct
 * canonical reference, with every component and location that uses it merged.
 */
import { InputError } from '../errors.js';
import { formatReference, parseReference } from '../reference.js';
import type { Stack } from '../stack-types.js';

/** What src/manifests' discoverImages returns (DESIGN.md "images --json"). */
export interface DiscoveredImages {
  images: Array<{ ref: string; written: string; locations: string[] }>;
  invalid: InvalidImage[];
}

export interface InvalidImage {
  /** As written: "Team/App:1". */
  value: string;
  location: string;
  error: string;
}

export type Discover = (paths: string[], opts: { cwd: string }) => Promise<DiscoveredImages>;

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

async function addStack(targets: Targets, invalid: InvalidImage[], stack: Stack, discover: Discover): Promise<void> {
  for (const [i, component] of stack.components.entries()) {
    if (component.manifests.length > 0) {
      const found = await discover(component.manifests, { cwd: stack.root });
      for (const image of found.images) targets.add(image.ref, { component: component.name, locations: image.locations });
      invalid.push(...found.invalid);
    }
    for (const [j, image] of component.images.entries()) {
      const where = `${stack.file}: components[${i}].images[${j}]${image.runtime ? ' (pulled at run time)' : ''}`;
      const use: { component: string; locations: string[]; alternate?: string } = { component: component.name, locations: [where] };
      if (image.arm64?.from !== undefined) use.alternate = image.arm64.from;
      targets.add(image.ref, use);
    }
  }
}

/** Gather the targets; an invalid `--image` is bad input, invalid values in manifests are reported. */
export async function collectTargets(sources: AuditSources, discover: Discover, cwd: string): Promise<Collection> {
  const targets = new Targets();
  const invalid: InvalidImage[] = [];
  if (sources.stack) await addStack(targets, invalid, sources.stack, discover);
  if (sources.manifests && sources.manifests.length > 0) {
    const found = await discover(sources.manifests, { cwd });
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
