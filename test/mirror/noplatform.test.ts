/**
 * An index whose entries carry no `platform` field (OCI image-index.md makes it optional): the
 * mirror learns each child's platform from its config. The children are pushed by skopeo; the index
 * bytes are PUT by hand, since no tool we have writes such an index.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaType } from '../../src/manifest.js';
import { ORIGIN_ANNOTATION } from '../../src/mirror/compose.js';
import { registryFleet, type RunningRegistry } from '../support/registry.js';
import { seed } from '../support/seed.js';
import { client, inspectRaw, mirror } from './support.js';

/** The manifest at `name:tag` as an index entry without a platform. */
async function bareEntry(url: string, name: string, tag: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}/v2/${name}/manifests/${tag}`, { headers: { accept: MediaType.OciManifest } });
  expect(res.status).toBe(200);
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { mediaType: MediaType.OciManifest, digest: res.headers.get('docker-content-digest'), size: bytes.byteLength };
}

async function putIndex(url: string, name: string, tag: string, manifests: unknown[]): Promise<void> {
  const body = JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests });
  const res = await fetch(`${url}/v2/${name}/manifests/${tag}`, { method: 'PUT', headers: { 'content-type': MediaType.OciIndex }, body });
  expect(res.status).toBe(201);
}

describe('mirror of an index whose entries have no platform field', () => {
  let source: RunningRegistry;
  let alt: string;
  const fleet = registryFleet();
  const newTarget = (): Promise<RunningRegistry> => fleet.start();
  const upstream = (): ReturnType<typeof client> => client({ 'docker.io': source.url });

  beforeAll(async () => {
    source = await fleet.start();
    await seed(source.host, [
      { name: 'library/odd:amd', platforms: ['linux/amd64'], single: true },
      { name: 'library/odd:arm', platforms: ['linux/arm64'], single: true },
      { name: 'someone/odd-arm:1', platforms: ['linux/arm64'], single: true },
    ]);
    const [amd, arm] = await Promise.all(['amd', 'arm'].map((t) => bareEntry(source.url, 'library/odd', t)));
    await putIndex(source.url, 'library/odd', 'noplat', [amd, arm]);
    await putIndex(source.url, 'library/odd', 'noplat-amd', [amd]);
    alt = (await bareEntry(source.url, 'someone/odd-arm', '1')).digest as string;
  }, 120_000);
  afterAll(async () => {
    await fleet.stopAll();
  });

  it('copies it byte for byte and locks both platforms', async () => {
    const target = await newTarget();
    const run = await mirror(upstream(), target.host, [{ ref: 'docker.io/library/odd:noplat' }]);
    const [image] = run.images;
    expect(image).toMatchObject({ result: 'copied', error: null });
    const src = await inspectRaw(`${source.host}/library/odd:noplat`);
    const dst = await inspectRaw(`${target.host}/docker.io/library/odd:noplat`);
    expect(dst.text).toBe(src.text);
    expect(src.json.manifests.every((m: any) => m.platform === undefined)).toBe(true);
    expect(image!.digest).toBe(run.lock.images[0]!.digest);
    expect(Object.keys(run.lock.images[0]!.platforms)).toEqual(['linux/amd64', 'linux/arm64']);
    expect(run.lock.images[0]!.platforms['linux/arm64']!.digest).toBe(src.json.manifests[1].digest);
  });

  it('--platform linux/arm64 writes a trimmed index whose entry names linux/arm64', async () => {
    const target = await newTarget();
    const run = await mirror(upstream(), target.host, [{ ref: 'docker.io/library/odd:noplat' }], { platforms: ['linux/arm64'] });
    expect(run.images[0]).toMatchObject({ result: 'copied', error: null });
    const src = await inspectRaw(`${source.host}/library/odd:noplat`);
    const dst = await inspectRaw(`${target.host}/docker.io/library/odd:noplat`);
    expect(dst.json.manifests).toEqual([{ ...src.json.manifests[1], platform: { architecture: 'arm64', os: 'linux' } }]);
    expect(Object.keys(run.lock.images[0]!.platforms)).toEqual(['linux/arm64']);
  });

  it('composes an amd64 entry without platform with an alternate arm64; both entries name their platform', async () => {
    const target = await newTarget();
    const sources = [{ ref: 'docker.io/library/odd:noplat-amd', arm64: { from: 'docker.io/someone/odd-arm:1' } }];
    const run = await mirror(upstream(), target.host, sources);
    expect(run.images[0]).toMatchObject({ result: 'composed', error: null });
    const dst = await inspectRaw(`${target.host}/docker.io/library/odd:noplat-amd`);
    expect(dst.json.manifests.map((m: any) => [m.platform, m.annotations[ORIGIN_ANNOTATION]])).toEqual([
      [{ architecture: 'amd64', os: 'linux' }, 'upstream docker.io/library/odd:noplat-amd'],
      [{ architecture: 'arm64', os: 'linux' }, 'alternate docker.io/someone/odd-arm:1'],
    ]);
    expect(dst.json.manifests[1].digest).toBe(alt);
  });
});
