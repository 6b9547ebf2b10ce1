/**
 * Blob uploads (distribution spec: pushing blobs): cross-repository mount, monolithic PUT with a
 * streamed body of known length, or PATCH chunks when configured or when the registry refuses a
 * large single request (413). Upload locations may be relative or absolute.
 */
import { RegistryError } from '../errors.js';
import type { Descriptor } from '../manifest.js';
import { pullScope, pushScope } from './auth.js';
import { blobName } from './blobs.js';
import { redactUrl } from './endpoint.js';
import { header, type HttpResponse } from './http.js';
import type { ApiContext, Exchange } from './transport.js';
import type { BlobSource, RepoName } from './types.js';

type BlobDescriptor = Pick<Descriptor, 'digest' | 'size'>;

/** Chunk size after a 413 when none was configured. */
const FALLBACK_CHUNK = 16 * 1024 * 1024;

function uploadExchange(ctx: ApiContext, repo: RepoName, what: string, x: Partial<Exchange> & Pick<Exchange, 'method' | 'url' | 'ok'>): Exchange {
  return { endpoint: ctx.endpoint(repo.registry), scopes: [pushScope(repo.repository)], what, ...x };
}

/** The next upload URL from a Location header, relative to the answering URL. */
function location(res: HttpResponse, what: string): URL {
  const loc = header(res, 'location');
  if (!loc) throw new RegistryError(`${what}: upload answer without Location`, { method: 'POST', url: redactUrl(res.url), status: res.status });
  return new URL(loc, res.url);
}

export async function mountBlob(ctx: ApiContext, repo: RepoName, digest: string, from: RepoName): Promise<boolean> {
  if (from.registry !== repo.registry) return false;
  const what = blobName(repo, digest);
  const query = new URLSearchParams({ mount: digest, from: from.repository });
  const x = uploadExchange(ctx, repo, what, { method: 'POST', url: `/v2/${repo.repository}/blobs/uploads/?${query}`, ok: [201, 202] });
  x.scopes = [pushScope(repo.repository), pullScope(from.repository)];
  const started = await ctx.transport.exchange(x, async (res) => {
    await ctx.http.discard(res);
    return res.status === 202 ? location(res, what) : undefined;
  });
  if (!started) return true;
  // The registry could not mount and opened an upload instead: close it, the caller pushes.
  await cancel(ctx, repo, what, started);
  return false;
}

async function cancel(ctx: ApiContext, repo: RepoName, what: string, url: URL): Promise<void> {
  const x = uploadExchange(ctx, repo, what, { method: 'DELETE', url: url.toString(), ok: [200, 202, 204, 404], retries: 0 });
  await ctx.transport.exchange(x, (res) => ctx.http.discard(res)).catch(() => undefined);
}

/**
 * Upload a blob. A factory body is opened again for each attempt, so the whole upload can be
 * retried; a bare iterable can be read only once, so its upload is tried once.
 */
export async function pushBlob(ctx: ApiContext, repo: RepoName, d: BlobDescriptor, source: BlobSource): Promise<void> {
  const what = blobName(repo, d.digest);
  const reopenable = typeof source === 'function';
  let used = false;
  const body = (): AsyncIterable<Uint8Array> => {
    if (reopenable) return source();
    if (used) throw new RegistryError(`${what}: upload body was already read and cannot be sent again`, { method: 'PUT', url: '' });
    used = true;
    return source;
  };
  await ctx.http.retrying(`upload ${what}`, () => uploadOnce(ctx, repo, d, body, what), reopenable ? undefined : 0);
}

interface Session {
  url: URL;
  /** OCI-Chunk-Min-Length: the smallest PATCH chunk the registry accepts. */
  minChunk: number;
}

async function startUpload(ctx: ApiContext, repo: RepoName, what: string): Promise<Session> {
  const x = uploadExchange(ctx, repo, what, { method: 'POST', url: `/v2/${repo.repository}/blobs/uploads/`, ok: [202] });
  return ctx.transport.exchange(x, async (res) => {
    await ctx.http.discard(res);
    const min = Number(header(res, 'oci-chunk-min-length'));
    return { url: location(res, what), minChunk: Number.isSafeInteger(min) && min > 0 ? min : 0 };
  });
}

async function uploadOnce(ctx: ApiContext, repo: RepoName, d: BlobDescriptor, body: () => AsyncIterable<Uint8Array>, what: string): Promise<void> {
  const session = await startUpload(ctx, repo, what);
  if (ctx.chunkSize !== undefined && d.size > ctx.chunkSize) {
    return uploadChunked(ctx, repo, d, body(), session, Math.max(ctx.chunkSize, session.minChunk), what);
  }
  const put = new URL(session.url);
  put.searchParams.set('digest', d.digest);
  const x = uploadExchange(ctx, repo, what, {
    method: 'PUT', url: put.toString(), body, ok: [201, 413], retries: 0,
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(d.size) },
  });
  const tooLarge = await ctx.transport.exchange(x, async (res) => {
    await ctx.http.discard(res);
    return res.status === 413;
  });
  if (!tooLarge) return;
  const retry = await startUpload(ctx, repo, what);
  return uploadChunked(ctx, repo, d, body(), retry, Math.max(ctx.chunkSize ?? FALLBACK_CHUNK, retry.minChunk), what);
}

async function uploadChunked(ctx: ApiContext, repo: RepoName, d: BlobDescriptor, source: AsyncIterable<Uint8Array>, session: Session, size: number, what: string): Promise<void> {
  let url = session.url;
  let offset = 0;
  for await (const chunk of rechunk(source, size)) {
    const x = uploadExchange(ctx, repo, what, {
      method: 'PATCH', url: url.toString(), body: chunk, ok: [202], retries: 0,
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(chunk.byteLength),
        'content-range': `${offset}-${offset + chunk.byteLength - 1}`,
      },
    });
    url = await ctx.transport.exchange(x, async (res) => {
      await ctx.http.discard(res);
      return location(res, what);
    });
    offset += chunk.byteLength;
  }
  if (offset !== d.size) {
    throw new RegistryError(`${what}: upload body has ${offset} bytes, descriptor says ${d.size}`, { method: 'PATCH', url: redactUrl(url.toString()) });
  }
  url.searchParams.set('digest', d.digest);
  const done = uploadExchange(ctx, repo, what, { method: 'PUT', url: url.toString(), ok: [201], retries: 0, headers: { 'content-length': '0' } });
  await ctx.transport.exchange(done, (res) => ctx.http.discard(res));
}

/** Regroup a stream into chunks of exactly `size` bytes (the last may be shorter); memory stays at one chunk. */
export async function* rechunk(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let parts: Uint8Array[] = [];
  let held = 0;
  for await (const piece of source) {
    let rest = piece;
    while (held + rest.byteLength >= size) {
      const take = size - held;
      parts.push(rest.subarray(0, take));
      yield new Uint8Array(Buffer.concat(parts));
      rest = rest.subarray(take);
      parts = [];
      held = 0;
    }
    if (rest.byteLength > 0) {
      parts.push(rest);
      held += rest.byteLength;
    }
  }
  if (held > 0) yield new Uint8Array(Buffer.concat(parts));
}
