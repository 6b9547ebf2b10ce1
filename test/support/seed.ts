/**
 * Makes test images without the project's own client: writes an OCI image layout on disk
 * (image-spec image-layout.md) and pushes it with Debian's skopeo. Layers are real tar files.
 */
import { execFile } from 'node:child_process';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

const run = promisify(execFile);

export interface SeedLayer {
  /** Content is derived from this string, so equal keys give the same blob (shared layers). */
  key: string;
  /** Payload bytes (default 1 KiB). */
  size?: number;
  /** Write the layer uncompressed (fast for large test stacks). */
  plain?: boolean;
}

export interface SeedImage {
  /** Where to push, as the registry path: "library/busybox:1.36". */
  name: string;
  /** "linux/amd64", "linux/arm64", "linux/arm/v7"… */
  platforms: string[];
  /** Push a single image manifest (first platform) instead of an index. */
  single?: boolean;
  /** Add a buildkit-style attestation manifest (unknown/unknown) per platform. */
  attestations?: boolean;
  /** Layers per platform; default one small layer unique to image and platform. */
  layers?: (platform: string) => SeedLayer[];
  /** Push as Docker v2 schema 2 (manifest list) instead of OCI: skopeo converts on the way. */
  docker?: boolean;
}

interface Blob {
  digest: string;
  size: number;
}

function sha256(data: Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Past this, the hash chain below takes seconds; large layers use an AES-CTR keystream instead. */
const CHAIN_MAX = 1 << 20;

/** Deterministic pseudo-random bytes: an image seeded twice gets the same digests. */
function payload(key: string, size: number): Buffer {
  if (size > CHAIN_MAX) {
    const cipher = createCipheriv('aes-256-ctr', createHash('sha256').update(key).digest(), Buffer.alloc(16));
    return cipher.update(Buffer.alloc(size));
  }
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(key).digest();
  for (let off = 0; off < size; off += block.length) {
    block.copy(out, off);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

/** A one-file ustar archive. */
function tarOf(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(content.length.toString(8).padStart(11, '0') + '\0', 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  const pad = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, pad, Buffer.alloc(1024)]);
}

class Layout {
  readonly dir: string;
  constructor(root: string) {
    this.dir = root;
    mkdirSync(join(root, 'blobs', 'sha256'), { recursive: true });
    writeFileSync(join(root, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  }
  put(data: Uint8Array): Blob {
    const digest = sha256(data);
    writeFileSync(join(this.dir, 'blobs', 'sha256', digest.slice(7)), data);
    return { digest, size: data.byteLength };
  }
}

function splitPlatform(p: string): { os: string; architecture: string; variant?: string } {
  const [os = 'linux', architecture = 'amd64', variant] = p.split('/');
  return variant ? { os, architecture, variant } : { os, architecture };
}

function writeImage(layout: Layout, image: SeedImage, platform: string): Blob & { mediaType: string } {
  const layers = (image.layers?.(platform) ?? [{ key: `${image.name} ${platform}` }]).map((l) => {
    const tar = tarOf(`data-${createHash('sha1').update(l.key).digest('hex').slice(0, 8)}`, payload(l.key, l.size ?? 1024));
    const body = l.plain ? tar : gzipSync(tar, { level: 1 });
    const blob = layout.put(body);
    const mediaType = l.plain ? 'application/vnd.oci.image.layer.v1.tar' : 'application/vnd.oci.image.layer.v1.tar+gzip';
    return { ...blob, mediaType, diffId: sha256(tar) };
  });
  const plat = splitPlatform(platform);
  const config = layout.put(Buffer.from(JSON.stringify({
    ...plat,
    created: '2020-01-01T00:00:00Z',
    config: { Cmd: ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
  })));
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      ...config,
    },
    layers: layers.map(({ mediaType, digest, size }) => ({ mediaType, digest, size })),
  };
  return { ...layout.put(Buffer.from(JSON.stringify(manifest))), mediaType: manifest.mediaType };
}

function writeAttestation(layout: Layout, subject: Blob): Blob & { mediaType: string } {
  const statement = layout.put(Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v0.1', subject: [subject.digest] })));
  const config = layout.put(Buffer.from('{"architecture":"unknown","os":"unknown","config":{},"rootfs":{"type":"layers","diff_ids":[]}}'));
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.in-toto+json', ...statement, annotations: { 'in-toto.io/predicate-type': 'https://spdx.dev/Document' } }],
  };
  return { ...layout.put(Buffer.from(JSON.stringify(manifest))), mediaType: manifest.mediaType };
}

/** Write one image (index or single manifest) as an OCI layout in `dir`, tagged "seed". */
export function writeLayout(dir: string, image: SeedImage): { digest: string } {
  const layout = new Layout(dir);
  let top: Blob & { mediaType: string };
  if (image.single) {
    top = writeImage(layout, image, image.platforms[0] ?? 'linux/amd64');
  } else {
    const entries: object[] = [];
    for (const p of image.platforms) {
      const m = writeImage(layout, image, p);
      entries.push({ mediaType: m.mediaType, digest: m.digest, size: m.size, platform: splitPlatform(p) });
      if (image.attestations) {
        const a = writeAttestation(layout, m);
        entries.push({
          mediaType: a.mediaType, digest: a.digest, size: a.size,
          platform: { os: 'unknown', architecture: 'unknown' },
          annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': m.digest },
        });
      }
    }
    const index = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: entries,
    };
    top = { ...layout.put(Buffer.from(JSON.stringify(index))), mediaType: index.mediaType };
  }
  writeFileSync(join(dir, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    manifests: [{ mediaType: top.mediaType, digest: top.digest, size: top.size, annotations: { 'org.opencontainers.image.ref.name': 'seed' } }],
  }));
  return { digest: top.digest };
}

/**
 * Push images into a plain-HTTP registry at `host` with skopeo; returns the pushed digests by name.
 * `skopeoArgs` go to `skopeo copy`, e.g. ['--dest-creds', 'user:pass'] for a registry with auth.
 */
export async function seed(host: string, images: SeedImage[], skopeoArgs: string[] = []): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const image of images) {
    const dir = mkdtempSync(join(tmpdir(), 'ampere-seed-'));
    try {
      const { digest } = writeLayout(dir, image);
      const format = image.docker ? ['--format', 'v2s2'] : ['--preserve-digests'];
      await run('skopeo', ['copy', '--all', ...format, ...skopeoArgs, '--quiet', '--dest-tls-verify=false',
        `oci:${dir}:seed`, `docker://${host}/${image.name}`], { maxBuffer: 1 << 24 });
      out.set(image.name, image.docker ? await remoteDigest(host, image.name) : digest);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return out;
}

async function remoteDigest(host: string, name: string): Promise<string> {
  const { stdout } = await run('skopeo', ['inspect', '--tls-verify=false', '--format', '{{.Digest}}', `docker://${host}/${name}`]);
  return stdout.trim();
}

/** Random bytes, for tests that need content no other test shares. */
export function uniqueKey(): string {
  return randomBytes(8).toString('hex');
}
