/**
 * Blob reads (distribution spec: pulling blobs). Streams are hashed on the fly and never held
 * whole; a connection lost mid-blob is resumed with a Range request; a blob longer than its
 * descriptor is cut off, and one whose content is not its digest fails at its end.
 */
import type { Hash } from 'node:crypto';
import { DigestMismatch, RegistryError } from '../errors.js';
import { MAX_MANIFEST_BYTES, type Descriptor } from '../manifest.js';
import { pullScope } from './auth.js';
import { hasherFor } from '../digest.js';
import { redactUrl } from './endpoint.js';
import { isTransientNetworkError } from './failures.js';
import { abandon, header, retriesSpent, type HttpResponse } from './http.js';
import type { ApiContext, Exchange } from './transport.js';
import type { RepoName } from './types.js';

type BlobDescriptor = Pick<Descriptor, 'digest' | 'size'>;

export function blobName(repo: RepoName, digest: string): string {
  return `${repo.registry}/${repo.repository}@${digest}`;
}

function blobExchange(ctx: ApiContext, repo: RepoName, digest: string, method: 'GET' | 'HEAD', ok: number[], headers = {}): Exchange {
  return {
    endpoint: ctx.endpoint(repo.registry), method, url: `/v2/${repo.repository}/blobs/${digest}`, headers,
    scopes: [pullScope(repo.repository)], what: blobName(repo, digest), ok,
  };
}

export async function hasBlob(ctx: ApiContext, repo: RepoName, digest: string): Promise<boolean> {
  return ctx.transport.exchange(blobExchange(ctx, repo, digest, 'HEAD', [200, 404]), async (res) => {
    await ctx.http.discard(res);
    return res.status === 200;
  });
}

/** Open the blob at `offset`: a 206 continues there, a 200 (Range ignored) starts from 0. */
function open(ctx: ApiContext, repo: RepoName, d: BlobDescriptor, offset: number): Promise<HttpResponse> {
  const headers = offset > 0 ? { range: `bytes=${offset}-` } : {};
  const x = blobExchange(ctx, repo, d.digest, 'GET', offset > 0 ? [200, 206] : [200], headers);
  return ctx.transport.exchange(x, async (res) => {
    const declared = Number(header(res, 'content-length'));
    const expected = res.status === 206 ? d.size - offset : d.size;
    if (Number.isFinite(declared) && declared > expected) {
      abandon(res);
      throw new RegistryError(`${x.what}: registry sends ${declared} bytes, more than the ${d.size} of its descriptor; refused`, {
        method: 'GET', url: redactUrl(res.url), status: res.status,
      });
    }
    return res;
  });
}

export async function openBlob(ctx: ApiContext, repo: RepoName, d: BlobDescriptor): Promise<AsyncIterable<Uint8Array>> {
  const hash = hasherFor(d.digest);
  const what = blobName(repo, d.digest);
  if (!hash) throw new RegistryError(`${what}: cannot verify digest algorithm`, { method: 'GET', url: '' });
  const first = await open(ctx, repo, d, 0);
  return verified(ctx, repo, d, first, hash);
}

interface StreamState {
  res: HttpResponse;
  /** Verified bytes handed on so far. */
  received: number;
}

async function* verified(ctx: ApiContext, repo: RepoName, d: BlobDescriptor, first: HttpResponse, hash: Hash): AsyncGenerator<Uint8Array> {
  const what = blobName(repo, d.digest);
  const state: StreamState = { res: first, received: 0 };
  try {
    for (let resumes = 0; ; ) {
      try {
        yield* chunksOf(ctx, state, d, hash, what);
        break;
      } catch (err) {
        if (!isTransientNetworkError(err) || resumes >= ctx.http.retryLimit) throw retriesSpent(wrap(what, state.res, err));
        resumes++;
        ctx.http.stats.retries++;
        await ctx.http.backoff(resumes);
        state.res = await open(ctx, repo, d, state.received);
      }
    }
  } finally {
    // Also when the consumer stops early: free the connection.
    if (!state.res.body.readableEnded) abandon(state.res);
  }
  const actual = `${d.digest.slice(0, d.digest.indexOf(':'))}:${hash.digest('hex')}`;
  if (state.received !== d.size) throw new DigestMismatch(d.digest, `${state.received} of ${d.size} bytes`, what);
  if (actual !== d.digest) throw new DigestMismatch(d.digest, actual, what);
}

async function* chunksOf(ctx: ApiContext, state: StreamState, d: BlobDescriptor, hash: Hash, what: string): AsyncGenerator<Uint8Array> {
  // A 200 after a Range request restarts from byte 0: skip what was already handed on.
  let skip = state.res.status === 200 ? state.received : 0;
  for await (const raw of state.res.body as AsyncIterable<Buffer>) {
    ctx.http.stats.bytesIn += raw.byteLength;
    const chunk = skip > 0 ? raw.subarray(Math.min(skip, raw.byteLength)) : raw;
    skip -= raw.byteLength - chunk.byteLength;
    if (chunk.byteLength === 0) continue;
    if (state.received + chunk.byteLength > d.size) {
      throw new RegistryError(`${what}: longer than the ${d.size} bytes of its descriptor; refused`, { method: 'GET', url: redactUrl(state.res.url) });
    }
    state.received += chunk.byteLength;
    hash.update(chunk);
    yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
}

function wrap(what: string, res: HttpResponse, err: unknown): unknown {
  if (err instanceof RegistryError || err instanceof DigestMismatch) return err;
  const code = (err as { code?: unknown } | null)?.code;
  return new RegistryError(`${what}: transfer failed (${typeof code === 'string' ? code : 'error'})`, {
    method: 'GET', url: redactUrl(res.url), status: res.status, transient: true, cause: err,
  });
}

/** A small blob (a config) read whole and verified; refused before any request past `maxBytes`. */
export async function getBlob(ctx: ApiContext, repo: RepoName, d: BlobDescriptor, maxBytes = MAX_MANIFEST_BYTES): Promise<Uint8Array> {
  if (d.size > maxBytes) {
    throw new RegistryError(`${blobName(repo, d.digest)}: ${d.size} bytes is over the ${maxBytes}-byte limit`, { method: 'GET', url: '' });
  }
  const chunks: Uint8Array[] = [];
  for await (const chunk of await openBlob(ctx, repo, d)) chunks.push(chunk);
  return new Uint8Array(Buffer.concat(chunks));
}
