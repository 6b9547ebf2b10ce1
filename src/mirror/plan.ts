/**
 * What to do with each source image (pure): copy it as it is, compose its index with an arm64
 * manifest from an alternate image or a build, or report arm64 unavailable. Also the mirror naming
 * of DESIGN.md: REGISTRY/<upstream host>/<repository>:<tag>. No I/O.
 */
import { InputError } from '../errors.js';
import { formatPlatform, parsePlatform } from '../platform.js';
import { formatReference, parseReference, type ImageRef } from '../reference.js';
import type { Arm64Source, BuildRecipe } from '../stack-types.js';

export const ARM64 = 'linux/arm64';

/** A source image as collected from the stack, manifests or --image. */
export interface SourceImage {
  /** Canonical reference: "docker.io/library/busybox:1.36". */
  ref: string;
  /** Declared in the stack: an alternate (`from`) or a build recipe for linux/arm64. */
  arm64?: Arm64Source;
}

/** What the registry says about a source image (gathered by resolve.ts). */
export interface ImageFacts {
  /** Digest of what the source reference resolves to. */
  digest: string;
  /** Real platforms, normalised: ["linux/amd64"]. */
  platforms: string[];
  /** A separate image offering linux/arm64 (audit's probe), or null. */
  arm64Alternative: string | null;
}

export type MirrorAction = 'copy' | 'compose' | 'build' | 'unavailable';

export interface PlannedImage {
  source: string;
  sourceRef: ImageRef;
  /** "127.0.0.1:5000/docker.io/library/busybox:1.36". */
  target: string;
  targetRef: ImageRef;
  /** copy: as it is (trimmed to --platform); compose: + an alternate's arm64; build: + a built arm64. */
  action: MirrorAction;
  /** Upstream platforms that will be copied (after --platform). */
  platforms: string[];
  /** True when --platform drops some upstream platform: the index is rewritten, its digest changes. */
  trimmed: boolean;
  /** compose: the image whose linux/arm64 manifest is taken. */
  alternate?: string;
  /** build: the recipe and the tag the builder pushes to. */
  recipe?: BuildRecipe;
  buildTarget?: string;
  /** unavailable: why there is no arm64. */
  reason?: string;
}

export interface PlanOptions {
  /** Target registry host: "127.0.0.1:5000". */
  registry: string;
  /** --platform, normalised; undefined means every platform. */
  platforms?: string[];
  /** False with --no-build. */
  build: boolean;
}

/** Parse the --platform list ("linux/amd64,linux/arm64"); InputError names the flag. */
export function parsePlatformFilter(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    try {
      const p = formatPlatform(parsePlatform(part));
      if (!out.includes(p)) out.push(p);
    } catch (err) {
      throw new InputError(`--platform: ${(err as Error).message}`);
    }
  }
  if (out.length === 0) throw new InputError('--platform: no platform given');
  return out;
}

/** Check the --registry value is a registry host with an optional port. */
export function parseTargetRegistry(text: string): string {
  const host = text.trim().replace(/\/+$/, '');
  try {
    const ref = parseReference(`${host}/probe`);
    if (ref.registry !== host.toLowerCase() && ref.registry !== host) throw new Error('not a host');
    return ref.registry;
  } catch {
    throw new InputError(`--registry: "${text}" is not a registry host (expected HOST[:PORT])`);
  }
}

/**
 * The mirror reference: the upstream host becomes the first path component. A port cannot appear
 * in a repository path, so "127.0.0.1:5001" becomes "127.0.0.1_5001".
 */
export function mirrorReference(registry: string, source: ImageRef): ImageRef {
  // A host with a port or an IPv6 address is not a valid path component: fold what does not fit
  // into "_" and trim it from the ends ("localhost:5001" -> "localhost_5001", "[::1]:5000" -> "1_5000").
  const host = source.registry.toLowerCase().replace(/[^a-z0-9.-]+/g, '_').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  const ref: ImageRef = { registry, repository: `${host}/${source.repository}` };
  if (source.tag !== undefined) ref.tag = source.tag;
  if (source.digest !== undefined) ref.digest = source.digest;
  return ref;
}

/**
 * The tag the mirror writes: none for a source pinned by digest. "x:1@sha256:old" is kept by digest
 * only, or it would move the tag that the unpinned "x:1" of the same stack points at.
 */
export function mirrorTag(target: ImageRef): string | undefined {
  return target.digest === undefined ? target.tag : undefined;
}

/** Tag the builder pushes an arm64 build to, beside the mirrored tag. */
export function buildTag(source: ImageRef): string {
  const base = source.tag ?? `sha256-${(source.digest ?? '').slice(7, 19)}`;
  return `${base.slice(0, 110)}-arm64-build`;
}

/** True when only a probe for a separate arm64 image can fill the gap (nothing declared). */
export function needsAlternative(source: SourceImage, facts: ImageFacts, platforms: string[] | undefined): boolean {
  const wanted = platforms === undefined || platforms.includes(ARM64);
  return wanted && !facts.platforms.includes(ARM64) && source.arm64?.from === undefined;
}

/** Decide the action for one image. */
export function planImage(source: SourceImage, facts: ImageFacts, opts: PlanOptions): PlannedImage {
  const sourceRef = parseReference(source.ref);
  const targetRef = mirrorReference(opts.registry, sourceRef);
  const wanted = (p: string): boolean => opts.platforms === undefined || opts.platforms.includes(p);
  const platforms = facts.platforms.filter(wanted);
  const base = {
    source: formatReference(sourceRef),
    sourceRef,
    target: formatReference(targetRef),
    targetRef,
    platforms,
    trimmed: platforms.length !== facts.platforms.length,
  };
  if (facts.platforms.includes(ARM64) || !wanted(ARM64)) {
    if (platforms.length === 0) return { ...base, action: 'unavailable', reason: `none of ${opts.platforms?.join(', ')} offered` };
    return { ...base, action: 'copy' };
  }
  const alternate = source.arm64?.from ?? facts.arm64Alternative;
  if (alternate) return { ...base, action: 'compose', alternate: formatReference(parseReference(alternate)) };
  const recipe = source.arm64?.build;
  if (recipe && opts.build) {
    const buildTarget = formatReference({ registry: targetRef.registry, repository: targetRef.repository, tag: buildTag(sourceRef) });
    return { ...base, action: 'build', recipe, buildTarget };
  }
  // An index of attestations only has nothing to run: say so, rather than only that arm64 is missing.
  const upstream = facts.platforms.length ? 'no linux/arm64 upstream' : 'the source lists no platform (attestations or artifacts only)';
  const reason = recipe ? 'build recipe skipped (--no-build)' : `${upstream}, no alternate, no build recipe`;
  return { ...base, action: 'unavailable', reason };
}

/** One line per image for --dry-run and logs. */
export function describePlan(p: PlannedImage, buildCommands: string[] = []): string {
  const what = p.platforms.length ? p.platforms.join(', ') : 'no upstream platform';
  switch (p.action) {
    case 'copy':
      return `copy ${p.source} -> ${p.target} (${what}${p.trimmed ? ', trimmed index' : ''})`;
    case 'compose':
      return `compose ${p.source} -> ${p.target} (${what} + ${ARM64} from ${p.alternate})`;
    case 'build':
      return [`build ${p.source} -> ${p.target} (${what} + ${ARM64} built from ${p.recipe?.context})`,
        ...buildCommands.map((c) => `  $ ${c}`)].join('\n');
    case 'unavailable':
      return `${p.platforms.length ? 'copy' : 'skip'} ${p.source} -> ${p.target} (${what}; ${ARM64} unavailable: ${p.reason})`;
  }
}
