/**
 * One HTTP exchange at a time over undici, with timeouts, counters, --verbose lines and the
 * bounded retry loop. Knows nothing of auth or the Distribution API (transport.ts does).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import { RegistryError } from '../errors.js';
import { redactUrl } from './endpoint.js';
import { isTransientNetworkError } from './failures.js';
import { parseRetryAfter, retryDelay, type RetryPolicy } from './retry.js';

export interface RegistryStats {
  requests: number;
  retries: number;
  bytesIn: number;
  bytesOut: number;
}

/** A request body: bytes, or a factory that opens the stream again for each attempt. */
export type Body = Uint8Array | (() => AsyncIterable<Uint8Array>);

export interface HttpRequest {
  method: Dispatcher.HttpMethod;
  url: string;
  headers: Record<string, string>;
  body?: Body;
  /** Do not verify the TLS certificate (--insecure). */
  insecure?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Dispatcher.ResponseData['body'];
  url: string;
}

export interface HttpOptions {
  dispatcher: Dispatcher;
  insecureDispatcher: Dispatcher;
  timeoutMs: number;
  retry: RetryPolicy;
  stats: RegistryStats;
  log?: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

/** Errors that a retry loop gave up on. */
const exhausted = new WeakSet<object>();

/** Retry-After of a 429/503 answer, kept beside the error it became. */
const retryAfter = new WeakMap<object, number>();

/**
 * Mark a failure whose retries were spent outside a retry loop (a blob stream's ranged resumes), so
 * that a loop around it (the upload the stream feeds) does not start the count again.
 */
export function retriesSpent(err: unknown): unknown {
  if (typeof err === 'object' && err !== null) exhausted.add(err);
  return err;
}

export function withRetryAfter<E extends Error>(err: E, res: HttpResponse, now: number): E {
  const ms = parseRetryAfter(header(res, 'retry-after'), now);
  if (ms !== undefined) retryAfter.set(err, ms);
  return err;
}

export function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Stop reading a body and close its connection. undici reports a destroyed body as an 'error'
 * event; nobody is reading any more, so it is expected and dropped.
 */
export function abandon(res: HttpResponse): void {
  res.body.on('error', () => undefined);
  res.body.destroy();
}

export class Http {
  constructor(private readonly opts: HttpOptions) {}

  get stats(): RegistryStats {
    return this.opts.stats;
  }

  /** Retries after a first attempt, also the bound for resuming a blob stream. */
  get retryLimit(): number {
    return this.opts.retry.retries;
  }

  /** Wait as the retry policy says before retry number `attempt`. */
  backoff(attempt: number): Promise<void> {
    return (this.opts.sleep ?? sleep)(retryDelay(attempt, this.opts.retry, undefined, this.opts.random));
  }

  now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** One request; resolves once the status and headers arrived. */
  async send(req: HttpRequest): Promise<HttpResponse> {
    const started = Date.now();
    this.opts.stats.requests++;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(req.url, {
        method: req.method,
        headers: req.headers,
        body: this.bodyOf(req.body),
        dispatcher: req.insecure ? this.opts.insecureDispatcher : this.opts.dispatcher,
        headersTimeout: this.opts.timeoutMs,
        bodyTimeout: this.opts.timeoutMs,
      });
    } catch (err) {
      this.opts.log?.(`${req.method} ${redactUrl(req.url)} -> ${reason(err)} (${Date.now() - started} ms)`);
      throw err;
    }
    this.opts.log?.(`${req.method} ${redactUrl(req.url)} -> ${res.statusCode} (${Date.now() - started} ms)`);
    return { status: res.statusCode, headers: res.headers, body: res.body, url: req.url };
  }

  private bodyOf(body: Body | undefined): Readable | Uint8Array | null {
    if (body === undefined) return null;
    if (body instanceof Uint8Array) {
      this.opts.stats.bytesOut += body.byteLength;
      return body;
    }
    const stats = this.opts.stats;
    const source = body();
    return Readable.from((async function* count() {
      for await (const chunk of source) {
        stats.bytesOut += chunk.byteLength;
        yield chunk;
      }
    })());
  }

  /**
   * Run `attempt` until it succeeds, fails for good, or `retries` retries are spent. Transient
   * failures (429, 5xx, resets, timeouts) wait with backoff, or as long as Retry-After says (capped).
   */
  async retrying<T>(label: string, attempt: () => Promise<T>, retries = this.opts.retry.retries): Promise<T> {
    for (let n = 1; ; n++) {
      try {
        return await attempt();
      } catch (err) {
        const limit = retries > 0 && err instanceof RegistryError && err.status === 429 ? Math.max(retries, this.opts.retry.rateLimitRetries ?? 0) : retries;
        if (n > limit || !isTransientNetworkError(err) || exhausted.has(err as object)) {
          // An inner loop (a token request, an upload's POST) already spent its retries: outer
          // loops must not multiply them. A loop without retries leaves them to its caller.
          if (retries > 0 && typeof err === 'object' && err !== null) exhausted.add(err);
          throw err;
        }
        const wait = retryDelay(n, this.opts.retry, retryAfter.get(err as object), this.opts.random);
        this.opts.stats.retries++;
        this.opts.log?.(`retry ${n}/${limit} of ${label} in ${wait} ms: ${reason(err)}`);
        await (this.opts.sleep ?? sleep)(wait);
      }
    }
  }

  /** The whole body, refused past `max` bytes: by Content-Length before reading, else when crossing it. */
  async read(res: HttpResponse, max: number, what: string): Promise<Uint8Array> {
    const declared = Number(header(res, 'content-length'));
    if (Number.isFinite(declared) && declared > max) {
      abandon(res);
      throw tooLarge(what, res, max);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      total += chunk.byteLength;
      this.opts.stats.bytesIn += chunk.byteLength;
      if (total > max) {
        abandon(res);
        throw tooLarge(what, res, max);
      }
      chunks.push(chunk);
    }
    return new Uint8Array(Buffer.concat(chunks));
  }

  /** Drain and drop a body so the connection can be reused. */
  async discard(res: HttpResponse): Promise<void> {
    await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
  }

  /** An error body's text, for its OCI error codes; small and never logged. */
  async errorText(res: HttpResponse): Promise<string> {
    try {
      return Buffer.from(await this.read(res, 64 * 1024, 'error body')).toString('utf8');
    } catch {
      return '';
    }
  }
}

function tooLarge(what: string, res: HttpResponse, max: number): RegistryError {
  return new RegistryError(`${what}: response larger than ${max} bytes, refused`, { method: 'GET', url: redactUrl(res.url), status: res.status });
}

function reason(err: unknown): string {
  if (err instanceof RegistryError) return err.status !== undefined ? `HTTP ${err.status}` : err.message;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : String(err);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
