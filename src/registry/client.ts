/**
 * The only Distribution API caller (distribution spec v1.1): manifests, blobs, tags, mount.
 * Minimal first version: plain HTTP to loopback/upstreams, no auth yet.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';
import { DigestMismatch, NotFoundError, RegistryError } from '../errors.js';
import { MANIFEST_ACCEPT, MAX_MANIFEST_BYTES, parseManifest, type Descriptor } from '../manifest.js';
import type { CredentialLookup } from './credentials.js';
import type { FetchedManifest, ManifestHead, Registry, RepoName } from './types.js';

export interface RegistryOptions {
  /** host -> base URL: "docker.io" -> "http://127.0.0.1:5001" (like a containerd mirror). */
  upstreams?: Record<string, string>;
  /** Hosts that may be reached over plain HTTP (loopback hosts are allowed by default, as Docker does). */
  plainHttp?: string[];
  /** Hosts whose TLS certificate is not verified. */
  insecure?: string[];
  /** Credentials lookup (see credentials.ts); default reads the Docker config. */
  credentials?: CredentialLookup;
  /** Max requests in flight per host (default 16). */
  concurrency?: number;
  /** Per request, default 30 s. */
  timeoutMs?: number;
  /** Default 4, on 429/5xx/network errors. */
  retries?: number;
  /** Injectable for tests. */
  dispatcher?: Dispatcher;
  /** --verbose lines; never contain secrets. */
  log?: (line: string) => void;
}

export interface RegistryStats {
  requests: number;
  retries: number;
  bytesIn: number;
  bytesOut: number;
}

export type RegistryClient = Registry & { stats: RegistryStats; close(): Promise<void> };

const sha256 = (b: Uint8Array): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function isLoopback(host: string): boolean {
  const name = host.replace(/:\d+$/, '');
  return name === 'localhost' || name === '[::1]' || /^127\./.test(name);
}

export function createRegistry(opts: RegistryOptions = {}): RegistryClient {
  const dispatcher = opts.dispatcher ?? new Agent({ connections: opts.concurrency ?? 16 });
  const stats: RegistryStats = { requests: 0, retries: 0, bytesIn: 0, bytesOut: 0 };
  const base = (repo: RepoName): string => {
    const up = opts.upstreams?.[repo.registry];
    if (up) return up.replace(/\/+$/, '');
    const plain = isLoopback(repo.registry) || opts.plainHttp?.includes(repo.registry);
    return `${plain ? 'http' : 'https'}://${repo.registry}`;
  };
  const url = (repo: RepoName, path: string): string => `${base(repo)}/v2/${repo.repository}/${path}`;

  async function call(method: Dispatcher.HttpMethod, u: string, headers: Record<string, string> = {}, body?: Dispatcher.DispatchOptions['body']) {
    stats.requests++;
    const res = await request(u, { method, headers, body: body ?? null, dispatcher, headersTimeout: opts.timeoutMs ?? 30_000, bodyTimeout: opts.timeoutMs ?? 30_000 });
    return res;
  }
  async function fail(method: string, u: string, res: Dispatcher.ResponseData): Promise<never> {
    const text = await res.body.text().catch(() => '');
    let codes: string[] = [];
    try {
      codes = (JSON.parse(text).errors ?? []).map((e: { code?: string }) => String(e.code));
    } catch { /* not JSON */ }
    const facts = { method, url: u, status: res.statusCode, codes, transient: res.statusCode === 429 || res.statusCode >= 500 };
    const msg = `${method} ${u}: HTTP ${res.statusCode}${codes.length ? ` ${codes.join(',')}` : ''}`;
    if (res.statusCode === 404) throw new NotFoundError(msg, facts);
    throw new RegistryError(msg, facts);
  }

  const client: RegistryClient = {
    stats,
    async close() {
      if (!opts.dispatcher) await dispatcher.close();
    },
    async getManifest(repo, reference): Promise<FetchedManifest> {
      const u = url(repo, `manifests/${reference}`);
      const res = await call('GET', u, { accept: MANIFEST_ACCEPT });
      if (res.statusCode !== 200) return fail('GET', u, res);
      const bytes = new Uint8Array(await res.body.arrayBuffer());
      if (bytes.byteLength > MAX_MANIFEST_BYTES) throw new RegistryError(`manifest ${u} over 4 MiB`, { method: 'GET', url: u });
      const digest = sha256(bytes);
      const expected = reference.includes(':') ? reference : (res.headers['docker-content-digest'] as string | undefined);
      if (expected && expected !== digest) throw new DigestMismatch(expected, digest, `${repo.registry}/${repo.repository}@${reference}`);
      const mediaType = String(res.headers['content-type'] ?? '');
      const manifest = parseManifest(bytes, mediaType);
      return { bytes, digest, mediaType: manifest.mediaType, manifest };
    },
    async headManifest(repo, reference): Promise<ManifestHead | undefined> {
      const u = url(repo, `manifests/${reference}`);
      const res = await call('HEAD', u, { accept: MANIFEST_ACCEPT });
      await res.body.dump();
      if (res.statusCode === 404) return undefined;
      if (res.statusCode !== 200) return fail('HEAD', u, res);
      return {
        digest: String(res.headers['docker-content-digest'] ?? ''),
        mediaType: String(res.headers['content-type'] ?? ''),
        size: Number(res.headers['content-length'] ?? 0),
      };
    },
    async getBlob(repo, d, maxBytes = MAX_MANIFEST_BYTES) {
      if (d.size > maxBytes) throw new RegistryError(`blob ${d.digest} is over ${maxBytes} bytes`, { method: 'GET', url: url(repo, `blobs/${d.digest}`) });
      const chunks: Uint8Array[] = [];
      for await (const c of await client.openBlob(repo, d)) chunks.push(c);
      return new Uint8Array(Buffer.concat(chunks));
    },
    async openBlob(repo, d: Pick<Descriptor, 'digest' | 'size'>) {
      const u = url(repo, `blobs/${d.digest}`);
      const res = await call('GET', u);
      if (res.statusCode !== 200) return fail('GET', u, res);
      return (async function* () {
        const h = createHash('sha256');
        let n = 0;
        for await (const chunk of res.body as AsyncIterable<Buffer>) {
          n += chunk.byteLength;
          if (n > d.size) throw new DigestMismatch(d.digest, 'longer than its size', u);
          h.update(chunk);
          yield new Uint8Array(chunk);
        }
        const got = `sha256:${h.digest('hex')}`;
        if (got !== d.digest) throw new DigestMismatch(d.digest, got, u);
      })();
    },
    async hasBlob(repo, digest) {
      const u = url(repo, `blobs/${digest}`);
      const res = await call('HEAD', u);
      await res.body.dump();
      if (res.statusCode === 404) return false;
      if (res.statusCode !== 200) return fail('HEAD', u, res);
      return true;
    },
    async mountBlob(repo, digest, from) {
      const u = url(repo, `blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from.repository)}`);
      const res = await call('POST', u);
      await res.body.dump();
      if (res.statusCode === 201) return true;
      if (res.statusCode === 202) {
        const loc = new URL(String(res.headers.location), u).toString();
        await (await call('DELETE', loc)).body.dump();
        return false;
      }
      return fail('POST', u, res);
    },
    async pushBlob(repo, d, body) {
      const u = url(repo, 'blobs/uploads/');
      const start = await call('POST', u);
      await start.body.dump();
      if (start.statusCode !== 202) return fail('POST', u, start);
      const loc = new URL(String(start.headers.location), u);
      loc.searchParams.set('digest', d.digest);
      const put = await call('PUT', loc.toString(), { 'content-type': 'application/octet-stream', 'content-length': String(d.size) }, Readable.from(body));
      await put.body.dump();
      if (put.statusCode !== 201) return fail('PUT', u, put);
      stats.bytesOut += d.size;
    },
    async putManifest(repo, reference, bytes, mediaType) {
      const u = url(repo, `manifests/${reference}`);
      const res = await call('PUT', u, { 'content-type': mediaType }, Buffer.from(bytes));
      await res.body.dump();
      if (res.statusCode !== 201) return fail('PUT', u, res);
      return String(res.headers['docker-content-digest'] ?? sha256(bytes));
    },
    async listTags(repo) {
      const tags: string[] = [];
      let next: string | undefined = url(repo, 'tags/list');
      while (next) {
        const res = await call('GET', next);
        if (res.statusCode !== 200) return fail('GET', next, res);
        const doc = (await res.body.json()) as { tags?: string[] | null };
        tags.push(...(doc.tags ?? []));
        const link = res.headers.link;
        const m = typeof link === 'string' ? /<([^>]+)>;\s*rel="?next"?/.exec(link) : null;
        next = m ? new URL(m[1]!, next).toString() : undefined;
      }
      return tags;
    },
  };
  return client;
}
