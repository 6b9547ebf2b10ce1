/** The pure plan: naming, --platform parsing, and the action each kind of image gets. */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import {
  buildTag, describePlan, mirrorReference, needsAlternative, parsePlatformFilter, parseTargetRegistry, planImage,
  type ImageFacts, type PlanOptions, type SourceImage,
} from '../../src/mirror/plan.js';
import { formatReference, parseReference } from '../../src/reference.js';

const REG = '127.0.0.1:5000';
const facts = (platforms: string[], arm64Alternative: string | null = null): ImageFacts => ({ digest: `sha256:${'a'.repeat(64)}`, platforms, arm64Alternative });
const opts = (extra: Partial<PlanOptions> = {}): PlanOptions => ({ registry: REG, build: true, ...extra });
const recipe = { context: 'images/flannel' };

describe('mirror naming', () => {
  it.each([
    ['busybox:1.36', `${REG}/docker.io/library/busybox:1.36`],
    ['quay.io/prometheus/prometheus:v2.45.0', `${REG}/quay.io/prometheus/prometheus:v2.45.0`],
    ['registry.k8s.io/pause:3.9', `${REG}/registry.k8s.io/pause:3.9`],
    [`nginx@sha256:${'b'.repeat(64)}`, `${REG}/docker.io/library/nginx@sha256:${'b'.repeat(64)}`],
    ['localhost:5001/team/app:1', `${REG}/localhost_5001/team/app:1`],
    ['127.0.0.1:5001/app:1', `${REG}/127.0.0.1_5001/app:1`],
    ['[::1]:5000/app:1', `${REG}/1_5000/app:1`],
    ['[fe80::1]/app:1', `${REG}/fe80_1/app:1`],
  ])('%s -> %s', (source, target) => {
    const ref = mirrorReference(REG, parseReference(source));
    expect(formatReference(ref)).toBe(target);
    // the target is itself a valid reference
    expect(formatReference(parseReference(target))).toBe(target);
  });

  it('names the build tag beside the mirrored tag', () => {
    expect(buildTag(parseReference('quay.io/x/y:v1'))).toBe('v1-arm64-build');
    expect(buildTag(parseReference(`x/y@sha256:${'c'.repeat(64)}`))).toBe(`sha256-${'c'.repeat(12)}-arm64-build`);
    expect(buildTag(parseReference(`x/y:${'t'.repeat(128)}`)).length).toBeLessThanOrEqual(128);
  });
});

describe('flags', () => {
  it('parses and normalises --platform', () => {
    expect(parsePlatformFilter('linux/amd64, linux/arm64/v8,aarch64,linux/amd64')).toEqual(['linux/amd64', 'linux/arm64']);
    expect(parsePlatformFilter('linux/arm')).toEqual(['linux/arm/v7']);
  });
  it.each(['', ',', 'linux//', 'a/b/c/d'])('refuses --platform "%s" naming the flag', (value) => {
    expect(() => parsePlatformFilter(value)).toThrow(InputError);
    expect(() => parsePlatformFilter(value)).toThrow(/^--platform: /);
  });
  it.each([['127.0.0.1:5000', '127.0.0.1:5000'], ['registry.local/', 'registry.local'], ['localhost:5000', 'localhost:5000']])('accepts --registry %s', (value, host) => {
    expect(parseTargetRegistry(value)).toBe(host);
  });
  it.each(['mirror', 'not a host', 'host:port', 'https://x.io'])('refuses --registry %s', (value) => {
    expect(() => parseTargetRegistry(value)).toThrow(/^--registry: /);
  });
});

describe('planImage', () => {
  const src = (ref: string, arm64?: SourceImage['arm64']): SourceImage => (arm64 ? { ref, arm64 } : { ref });

  it.each<[string, SourceImage, ImageFacts, Partial<PlanOptions>, Record<string, unknown>]>([
    ['multi-arch: copy', src('busybox:1'), facts(['linux/amd64', 'linux/arm64']), {},
      { action: 'copy', platforms: ['linux/amd64', 'linux/arm64'], trimmed: false }],
    ['multi-arch trimmed to amd64', src('busybox:1'), facts(['linux/amd64', 'linux/arm64']), { platforms: ['linux/amd64'] },
      { action: 'copy', platforms: ['linux/amd64'], trimmed: true }],
    ['amd64 only, arm64 not wanted: plain copy', src('x:1'), facts(['linux/amd64']), { platforms: ['linux/amd64'] },
      { action: 'copy', trimmed: false }],
    ['declared alternate wins over the probe', src('x:1', { from: 'y/x:1-arm64' }), facts(['linux/amd64'], 'docker.io/arm64v8/x:1'), {},
      { action: 'compose', alternate: 'docker.io/y/x:1-arm64' }],
    ['probe result', src('x:1'), facts(['linux/amd64'], 'docker.io/arm64v8/x:1'), {},
      { action: 'compose', alternate: 'docker.io/arm64v8/x:1' }],
    ['arm64 only wanted, from an alternate', src('x:1', { from: 'y/x:1' }), facts(['linux/amd64']), { platforms: ['linux/arm64'] },
      { action: 'compose', platforms: [], trimmed: true }],
    ['build recipe', src('quay.io/a/b:v1', { build: recipe }), facts(['linux/amd64']), {},
      { action: 'build', recipe, buildTarget: `${REG}/quay.io/a/b:v1-arm64-build` }],
    ['build recipe with --no-build', src('x:1', { build: recipe }), facts(['linux/amd64']), { build: false },
      { action: 'unavailable', reason: 'build recipe skipped (--no-build)' }],
    ['nothing at all', src('x:1'), facts(['linux/amd64']), {},
      { action: 'unavailable', platforms: ['linux/amd64'], reason: 'no linux/arm64 upstream, no alternate, no build recipe' }],
    ['filter matches nothing', src('x:1'), facts(['linux/amd64', 'linux/arm64']), { platforms: ['linux/s390x'] },
      { action: 'unavailable', platforms: [] }],
  ])('%s', (_name, source, f, extra, expected) => {
    expect(planImage(source, f, opts(extra))).toMatchObject(expected);
  });

  it('names source and target canonically', () => {
    const p = planImage(src('nginx'), facts(['linux/amd64', 'linux/arm64']), opts());
    expect(p.source).toBe('docker.io/library/nginx:latest');
    expect(p.target).toBe(`${REG}/docker.io/library/nginx:latest`);
  });

  it('says an index of attestations only lists no platform, not merely that arm64 is missing', () => {
    const p = planImage(src('x:1'), facts([]), opts());
    expect(p).toMatchObject({ action: 'unavailable', platforms: [] });
    expect(p.reason).toBe('the source lists no platform (attestations or artifacts only), no alternate, no build recipe');
    expect(planImage(src('x:1'), facts(['linux/amd64']), opts()).reason).toBe('no linux/arm64 upstream, no alternate, no build recipe');
  });

  it('asks for a probe only when arm64 is wanted, missing and not declared', () => {
    expect(needsAlternative(src('x:1'), facts(['linux/amd64']), undefined)).toBe(true);
    expect(needsAlternative(src('x:1'), facts(['linux/amd64', 'linux/arm64']), undefined)).toBe(false);
    expect(needsAlternative(src('x:1', { from: 'y:1' }), facts(['linux/amd64']), undefined)).toBe(false);
    expect(needsAlternative(src('x:1'), facts(['linux/amd64']), ['linux/amd64'])).toBe(false);
    expect(needsAlternative(src('x:1', { build: recipe }), facts(['linux/amd64']), undefined)).toBe(true);
  });

  it('describes each action in one line (builds list their commands)', () => {
    const build = planImage(src('x:1', { build: recipe }), facts(['linux/amd64']), opts());
    expect(describePlan(build, ['buildah build …'])).toBe(
      `build docker.io/library/x:1 -> ${REG}/docker.io/library/x:1 (linux/amd64 + linux/arm64 built from images/flannel)\n  $ buildah build …`);
    const skip = planImage(src('x:1'), facts(['linux/arm64']), opts({ platforms: ['linux/s390x'] }));
    expect(describePlan(skip)).toMatch(/^skip docker.io\/library\/x:1 .*no upstream platform/);
  });
});
