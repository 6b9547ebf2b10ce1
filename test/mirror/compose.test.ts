/** Index trimming and composing (pure): entries kept as they came, origins annotated, bytes deterministic. */
import { describe, expect, it } from 'vitest';
import {
  ORIGIN_ANNOTATION, composeIndex, entryFor, indexEntries, selectEntries, trimIndex, withOrigin,
} from '../../src/mirror/compose.js';
import { digestOf } from '../../src/digest.js';
import { MediaType, parseManifest } from '../../src/manifest.js';

const d = (c: string): string => `sha256:${c.repeat(64)}`;
const M = MediaType.OciManifest;

const source = {
  schemaVersion: 2,
  mediaType: MediaType.OciIndex,
  manifests: [
    { mediaType: M, digest: d('1'), size: 10, platform: { architecture: 'amd64', os: 'linux' } },
    { mediaType: M, digest: d('2'), size: 11, platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } },
    { mediaType: M, digest: d('3'), size: 12, platform: { architecture: 'amd64', os: 'windows', 'os.version': '10.0.20348.1' } },
    { mediaType: M, digest: d('4'), size: 13, platform: { architecture: 'unknown', os: 'unknown' },
      annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': d('1') } },
    { mediaType: M, digest: d('5'), size: 14, platform: { architecture: 'unknown', os: 'unknown' },
      annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': d('2') } },
  ],
  annotations: { 'org.opencontainers.image.created': '2020-01-01' },
};
const bytes = Buffer.from(JSON.stringify(source, null, 3));

describe('index entries', () => {
  it('reads platforms normalised, attestations without one', () => {
    expect(indexEntries(bytes).map((e) => e.platform)).toEqual(['linux/amd64', 'linux/arm64', 'windows/amd64', undefined, undefined]);
  });

  it.each([
    [['linux/amd64'], [d('1'), d('4')]],
    [['linux/arm64'], [d('2'), d('5')]],
    [['windows/amd64'], [d('3')]],
    [['linux/amd64', 'linux/arm64', 'windows/amd64'], [d('1'), d('2'), d('3'), d('4'), d('5')]],
    [['linux/s390x'], []],
  ])('keeps %j and the attestations of what is kept', (platforms, digests) => {
    expect(selectEntries(indexEntries(bytes), platforms).map((e) => e.descriptor.digest)).toEqual(digests);
  });
});

describe('trimIndex', () => {
  it('keeps the index fields and unknown entry fields, drops the rest', () => {
    const kept = selectEntries(indexEntries(bytes), ['windows/amd64', 'linux/amd64']);
    const trimmed = trimIndex(bytes, kept);
    const doc = JSON.parse(Buffer.from(trimmed.bytes).toString());
    expect(doc.annotations).toEqual(source.annotations);
    expect(doc.manifests).toEqual([source.manifests[0], source.manifests[2], source.manifests[3]]);
    expect(trimmed.digest).toBe(digestOf(trimmed.bytes));
    expect(trimmed.mediaType).toBe(MediaType.OciIndex);
  });

  it('keeps a Docker manifest list a list', () => {
    const list = Buffer.from(JSON.stringify({ ...source, mediaType: MediaType.DockerList }));
    expect(trimIndex(list, selectEntries(indexEntries(list), ['linux/amd64'])).mediaType).toBe(MediaType.DockerList);
  });
});

describe('composeIndex', () => {
  const upstream = selectEntries(indexEntries(bytes), ['linux/amd64']).map((e) => withOrigin(e, 'upstream docker.io/x:1'));
  const arm64 = withOrigin(entryFor({ mediaType: MediaType.DockerManifest, digest: d('9'), size: 99 }, { os: 'linux', architecture: 'aarch64' }), 'alternate docker.io/y:1');

  it('lists upstream then arm64, each annotated with its origin; attestations untouched', () => {
    const composed = composeIndex([...upstream, arm64]);
    const parsed = parseManifest(composed.bytes);
    expect(parsed.kind).toBe('index');
    const doc = JSON.parse(Buffer.from(composed.bytes).toString());
    expect(doc.mediaType).toBe(MediaType.OciIndex);
    expect(doc.manifests.map((m: any) => m.annotations?.[ORIGIN_ANNOTATION] ?? null)).toEqual([
      'upstream docker.io/x:1', null, 'alternate docker.io/y:1',
    ]);
    expect(doc.manifests[1].annotations['vnd.docker.reference.digest']).toBe(d('1'));
    expect(doc.manifests[2]).toEqual({
      mediaType: MediaType.DockerManifest, digest: d('9'), size: 99,
      platform: { architecture: 'arm64', os: 'linux' }, annotations: { [ORIGIN_ANNOTATION]: 'alternate docker.io/y:1' },
    });
  });

  it('gives the same bytes for the same inputs', () => {
    const a = composeIndex([...upstream, arm64]);
    const b = composeIndex([...selectEntries(indexEntries(bytes), ['linux/amd64']).map((e) => withOrigin(e, 'upstream docker.io/x:1')), arm64]);
    expect(Buffer.from(b.bytes).equals(Buffer.from(a.bytes))).toBe(true);
    expect(b.digest).toBe(a.digest);
  });

  it('keeps an entry\'s own annotations beside the origin', () => {
    const [entry] = indexEntries(Buffer.from(JSON.stringify({ ...source, manifests: [{ ...source.manifests[0], annotations: { a: 'b' } }] })));
    expect(withOrigin(entry!, 'upstream x').raw.annotations).toEqual({ a: 'b', [ORIGIN_ANNOTATION]: 'upstream x' });
  });
});
