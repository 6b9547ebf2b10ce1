/**
 * The only Distribution API caller (OCI distribution spec v1.1): manifests, blobs, tags, mount.
 * Assembles the parts: endpoints (endpoint.ts), HTTP with retries (http.ts), auth (transport.ts,
 * tokens.ts), and the API modules (manifests.ts, blobs.ts, uploads.ts, tags.ts).
 */
import { Agent, type Dispatcher } from 'undici';
import { dockerCredentials, type CredentialLookup } from './credentials.js';
import { resolveEndpoint, type Endpoint, type EndpointOptions } from './endpoint.js';
import { getBlob, hasBlob, openBlob } from './blobs.js';
import { Http, type RegistryStats } from './http.js';
import { getManifest, headManifest, putManifest } from './manifests.js';
import { DEFAULT_RETRY } from './retry.js';
import { listTags } from './tags.js';
import { fetchToken } from './tokens.js';
import { Transport, type ApiContext } from './transport.js';
import type { Registry } from './types.js';
import { mountBlob, pushBlob } from './uploads.js';

export type { RegistryStats } from './http.js';

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
  /** Per request, for the headers and for each wait between body chunks; default 30 s. */
  timeoutMs?: number;
  /** Default 4, on 429/5xx/network errors. */
  retries?: number;
  /** First backoff step and the cap of any wait, Retry-After included (default 200 ms, 10 s). */
  backoff?: { baseMs?: number; maxMs?: number };
  /** Blobs larger than this are uploaded in PATCH chunks of this size (default: one PUT). */
  chunkSize?: number;
  /** Tags asked per page (`?n=`); default: as many as the registry sends. */
  tagPageSize?: number;
  /** Injectable for tests. */
  dispatcher?: Dispatcher;
  /** Clock for token lifetimes and Retry-After dates; injectable for tests. */
  now?: () => number;
  /** --verbose lines; never contain secrets. */
  log?: (line: string) => void;
}

export type RegistryClient = Registry & { stats: RegistryStats; close(): Promise<void> };

const DEFAULT_CONCURRENCY = 16;
const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Keep-alive connection pools per origin; `connections` bounds requests in flight per host, since
 * undici queues a request until one of the host's connections is free.
 */
function agent(opts: RegistryOptions, verify: boolean): Agent {
  const timeout = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Agent({
    connections: opts.concurrency ?? DEFAULT_CONCURRENCY,
    connect: { timeout, rejectUnauthorized: verify },
  });
}

export function createRegistry(opts: RegistryOptions = {}): RegistryClient {
  const secure = opts.dispatcher ?? agent(opts, true);
  const insecure = opts.dispatcher ?? agent(opts, false);
  const stats: RegistryStats = { requests: 0, retries: 0, bytesIn: 0, bytesOut: 0 };
  const http = new Http({
    dispatcher: secure,
    insecureDispatcher: insecure,
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    retry: { ...DEFAULT_RETRY, ...opts.backoff, retries: opts.retries ?? DEFAULT_RETRY.retries },
    stats,
    ...(opts.log ? { log: opts.log } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
  const policy: EndpointOptions = { upstreams: opts.upstreams ?? {}, plainHttp: opts.plainHttp ?? [], insecure: opts.insecure ?? [] };
  const credentials = opts.credentials ?? dockerCredentials();
  const transport = new Transport(http, credentials, policy, async (challenge, scopes, endpoint) =>
    fetchToken(http, { challenge, scopes, credential: await credentials(endpoint.credentialHost), host: endpoint.host, insecure: endpoint.insecure }, policy));
  const endpoints = new Map<string, Endpoint>();
  const ctx: ApiContext = {
    transport,
    http,
    endpoint(registry) {
      let e = endpoints.get(registry);
      if (!e) endpoints.set(registry, (e = resolveEndpoint(registry, policy)));
      return e;
    },
    ...(opts.chunkSize !== undefined ? { chunkSize: opts.chunkSize } : {}),
  };
  return {
    stats,
    async close() {
      if (!opts.dispatcher) await Promise.all([secure.close(), insecure.close()]);
    },
    getManifest: (repo, reference) => getManifest(ctx, repo, reference),
    headManifest: (repo, reference) => headManifest(ctx, repo, reference),
    getBlob: (repo, d, maxBytes) => getBlob(ctx, repo, d, maxBytes),
    openBlob: (repo, d) => openBlob(ctx, repo, d),
    hasBlob: (repo, digest) => hasBlob(ctx, repo, digest),
    mountBlob: (repo, digest, from) => mountBlob(ctx, repo, digest, from),
    pushBlob: (repo, d, body) => pushBlob(ctx, repo, d, body),
    putManifest: (repo, reference, bytes, mediaType) => putManifest(ctx, repo, reference, bytes, mediaType),
    listTags: (repo) => listTags(ctx, repo, opts.tagPageSize),
  };
}
