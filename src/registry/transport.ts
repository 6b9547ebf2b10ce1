/**
 * Distribution API exchanges: authorization (ping, challenge, Bearer token or Basic), manual
 * redirects that drop Authorization when the host changes, error mapping, and retries around it all.
 */
import type { Dispatcher } from 'undici';
import { AuthError, RegistryError } from '../errors.js';
import { basicAuthorization, parseChallenges, pickChallenge, TokenCache, type Challenge } from './auth.js';
import type { CredentialLookup } from './credentials.js';
import { allowedUrl, redactUrl, type Endpoint, type EndpointOptions } from './endpoint.js';
import { networkError, responseError } from './failures.js';
import { abandon, header, withRetryAfter, type Body, type Http, type HttpResponse } from './http.js';

export interface Exchange {
  endpoint: Endpoint;
  method: Dispatcher.HttpMethod;
  /** Absolute URL, or a path under the endpoint's base ("/v2/library/nginx/manifests/1.25"). */
  url: string;
  headers?: Record<string, string>;
  body?: Body;
  /** Token scopes this request needs: "repository:library/nginx:pull". */
  scopes: string[];
  /** Names the subject in errors: "docker.io/library/nginx:1.25". */
  what: string;
  /** Statuses handed to the caller; any other is an error (after auth, redirects and retries). */
  ok: number[];
  /** Override of the retry count (0 for a body that cannot be sent twice). */
  retries?: number;
}

/** What the API modules (manifests.ts, blobs.ts, tags.ts) work with. */
export interface ApiContext {
  transport: Transport;
  http: Http;
  /** The endpoint of a registry host as the user wrote it. */
  endpoint(registry: string): Endpoint;
  /** Blobs larger than this are uploaded in PATCH chunks of this size (undefined: monolithic). */
  chunkSize?: number;
}

const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** No challenge: the registry answered /v2/ without asking for credentials. */
const OPEN = { scheme: 'none', params: {} } satisfies Challenge;

export class Transport {
  private readonly challenges = new Map<string, Promise<Challenge>>();
  private readonly tokens: TokenCache;
  private readonly pending = new Map<string, Promise<string>>();

  constructor(
    private readonly http: Http,
    private readonly credentials: CredentialLookup,
    private readonly policy: EndpointOptions,
    private readonly fetchToken: (challenge: Challenge, scopes: string[], endpoint: Endpoint) => Promise<{ token: string; expiresAt: number }>,
  ) {
    this.tokens = new TokenCache(() => http.now());
  }

  /** Send `x`, retrying transient failures, and hand an accepted response to `handle`. */
  exchange<T>(x: Exchange, handle: (res: HttpResponse) => Promise<T>): Promise<T> {
    const label = `${x.method} ${x.what}`;
    return this.http.retrying(label, async () => {
      const res = await this.once(x);
      try {
        return await handle(res);
      } catch (err) {
        abandon(res);
        throw err instanceof Error && !(err instanceof RegistryError) && 'code' in err ? networkError(x.what, x.method, res.url, err) : err;
      }
    }, x.retries);
  }

  private async once(x: Exchange): Promise<HttpResponse> {
    const base = x.endpoint.base;
    let url = x.url.startsWith('/') ? `${base}${x.url}` : x.url;
    let scopes = x.scopes;
    let auth = await this.authorization(x.endpoint, scopes, false);
    let reauthorized = false;
    for (let redirects = 0; ; ) {
      const headers = { ...x.headers };
      // Authorization belongs to the registry's origin only: never to a redirect target elsewhere.
      if (auth && sameOrigin(url, base)) headers.authorization = auth;
      let res: HttpResponse;
      try {
        res = await this.http.send({ method: x.method, url, headers, body: x.body, insecure: x.endpoint.insecure });
      } catch (err) {
        throw networkError(x.what, x.method, url, err);
      }
      if (res.status === 401 && !reauthorized && sameOrigin(url, base)) {
        reauthorized = true;
        const challenge = challengeOf(res);
        await this.http.discard(res);
        if (challenge) {
          this.challenges.set(base, Promise.resolve(challenge));
          const asked = challenge.params.scope;
          if (asked && !scopes.includes(asked)) scopes = [...scopes, asked];
          auth = await this.authorization(x.endpoint, scopes, true);
          if (auth) continue;
        }
        throw new AuthError(`${x.what}: authentication required and no credentials for ${x.endpoint.credentialHost}`, {
          method: x.method, url: redactUrl(url), status: 401,
        });
      }
      if (REDIRECTS.has(res.status) && (x.method === 'GET' || x.method === 'HEAD')) {
        url = await this.redirectTarget(x, res, ++redirects);
        continue;
      }
      if (x.ok.includes(res.status)) return res;
      const err = responseError(x.what, x.method, url, res.status, await this.http.errorText(res));
      throw withRetryAfter(err, res, this.http.now());
    }
  }

  private async redirectTarget(x: Exchange, res: HttpResponse, count: number): Promise<string> {
    const location = header(res, 'location');
    await this.http.discard(res);
    const facts = { method: x.method, url: redactUrl(res.url), status: res.status };
    if (count > MAX_REDIRECTS) throw new RegistryError(`${x.what}: more than ${MAX_REDIRECTS} redirects`, facts);
    if (!location) throw new RegistryError(`${x.what}: redirect without Location`, facts);
    const target = new URL(location, res.url);
    if (!allowedUrl(target, this.policy)) {
      throw new RegistryError(`${x.what}: redirect to ${redactUrl(target.toString())} refused (plain HTTP not allowed there)`, facts);
    }
    return target.toString();
  }

  /** The Authorization value for `scopes` at `endpoint`, or undefined when none is needed or possible. */
  private async authorization(endpoint: Endpoint, scopes: string[], fresh: boolean): Promise<string | undefined> {
    const challenge = await this.challenge(endpoint);
    if (challenge.scheme === 'basic') {
      const cred = await this.credentials(endpoint.credentialHost);
      if (cred?.username === undefined || cred.password === undefined) return undefined;
      return basicAuthorization(cred.username, cred.password);
    }
    if (challenge.scheme !== 'bearer') return undefined;
    const key = `${endpoint.base}\n${TokenCache.key(challenge, scopes)}`;
    if (fresh) this.tokens.delete(key);
    const cached = this.tokens.get(key);
    if (cached) return `Bearer ${cached}`;
    // Concurrent requests for one scope share one token request.
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.fetchToken(challenge, scopes, endpoint).then((t) => {
        this.tokens.set(key, t);
        return t.token;
      }).finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    return `Bearer ${await pending}`;
  }

  /** What the registry asks for, learnt once per registry from GET /v2/ (as Docker does). */
  private challenge(endpoint: Endpoint): Promise<Challenge> {
    let known = this.challenges.get(endpoint.base);
    if (!known) {
      known = this.ping(endpoint);
      this.challenges.set(endpoint.base, known);
      known.catch(() => this.challenges.delete(endpoint.base));
    }
    return known;
  }

  private ping(endpoint: Endpoint): Promise<Challenge> {
    const url = `${endpoint.base}/v2/`;
    const what = endpoint.host;
    return this.http.retrying(`GET ${what}/v2/`, async () => {
      let res: HttpResponse;
      try {
        res = await this.http.send({ method: 'GET', url, headers: {}, insecure: endpoint.insecure });
      } catch (err) {
        throw networkError(what, 'GET', url, err);
      }
      if (res.status === 401) {
        const challenge = challengeOf(res);
        await this.http.discard(res);
        return challenge ?? OPEN;
      }
      if (res.status >= 200 && res.status < 300) {
        await this.http.discard(res);
        return OPEN;
      }
      // Some mirrors and proxies do not serve /v2/; requests to the repository will tell more.
      const err = responseError(what, 'GET', url, res.status, await this.http.errorText(res));
      if (err.transient) throw withRetryAfter(err, res, this.http.now());
      return OPEN;
    });
  }
}

/** The challenge to answer; a server may send its challenges in one field or in several. */
function challengeOf(res: HttpResponse): Challenge | undefined {
  const fields = res.headers['www-authenticate'] ?? [];
  return pickChallenge(parseChallenges((Array.isArray(fields) ? fields : [fields]).join(', ')));
}

function sameOrigin(a: string, b: string): boolean {
  return new URL(a).origin === new URL(b).origin;
}
