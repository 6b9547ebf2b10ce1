/**
 * Registry authentication, pure parts: WWW-Authenticate challenges (RFC 7235 §4.1, distribution
 * token spec), token scopes, token responses and the token cache. No I/O: tokens.ts fetches.
 */

/** One challenge: `Bearer realm="https://auth.docker.io/token",service="registry.docker.io"`. */
export interface Challenge {
  /** Lower-case: "bearer", "basic". */
  scheme: string;
  /** Parameter names lower-cased; values unquoted. */
  params: Record<string, string>;
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

class Scanner {
  i = 0;
  constructor(readonly s: string) {}
  skip(chars: RegExp): void {
    while (this.i < this.s.length && chars.test(this.s[this.i]!)) this.i++;
  }
  token(): string {
    const start = this.i;
    while (this.i < this.s.length && TOKEN_CHAR.test(this.s[this.i]!)) this.i++;
    return this.s.slice(start, this.i);
  }
  peek(): string | undefined {
    return this.s[this.i];
  }
  quoted(): string {
    let out = '';
    this.i++; // opening quote
    while (this.i < this.s.length && this.s[this.i] !== '"') {
      if (this.s[this.i] === '\\') this.i++;
      out += this.s[this.i] ?? '';
      this.i++;
    }
    this.i++; // closing quote
    return out;
  }
  /** True when a `name =` pair starts here (a parameter, not the next challenge's scheme). */
  atParam(): boolean {
    const save = this.i;
    const name = this.token();
    this.skip(/[ \t]/);
    const isParam = name !== '' && this.peek() === '=';
    this.i = save;
    return isParam;
  }
}

/** All challenges of a WWW-Authenticate header (several may share one header, comma-separated). */
export function parseChallenges(header: string): Challenge[] {
  const sc = new Scanner(header);
  const out: Challenge[] = [];
  while (sc.i < header.length) {
    sc.skip(/[ \t,]/);
    const scheme = sc.token();
    if (scheme === '') {
      sc.i++; // not a token character: skip it rather than loop forever
      continue;
    }
    const params: Record<string, string> = {};
    sc.skip(/[ \t]/);
    while (sc.atParam()) {
      const name = sc.token().toLowerCase();
      sc.skip(/[ \t]/);
      sc.i++; // "="
      sc.skip(/[ \t]/);
      if (sc.peek() === '=') {
        sc.skip(/=/); // token68 such as "abc==": not a parameter
      } else {
        params[name] = sc.peek() === '"' ? sc.quoted() : sc.token();
      }
      sc.skip(/[ \t]/);
      if (sc.peek() !== ',') break;
      sc.i++;
      sc.skip(/[ \t]/);
    }
    out.push({ scheme: scheme.toLowerCase(), params });
  }
  return out;
}

/** The challenge we can answer, Bearer preferred over Basic; undefined when neither is offered. */
export function pickChallenge(challenges: Challenge[]): Challenge | undefined {
  return challenges.find((c) => c.scheme === 'bearer' && c.params.realm) ?? challenges.find((c) => c.scheme === 'basic');
}

/** Token scopes (distribution spec auth/scope.md): "repository:library/nginx:pull". */
export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

export function pushScope(repository: string): string {
  return `repository:${repository}:pull,push`;
}

export interface BearerToken {
  token: string;
  /** Epoch ms after which the token is not used again. */
  expiresAt: number;
}

/** The token spec's default lifetime when expires_in is absent (and its minimum). */
const DEFAULT_TOKEN_SECONDS = 60;
/** Renew a little before the server's deadline so a request never carries a just-expired token. */
const EXPIRY_MARGIN_MS = 5_000;

/**
 * A token endpoint's JSON ({token} or OAuth2 {access_token}, expires_in, issued_at) as a token with
 * a local deadline. A server clock ahead of ours is ignored (we count from now); one behind
 * shortens the lifetime, which is the safe side.
 */
export function parseTokenResponse(body: unknown, now: number): BearerToken {
  if (typeof body !== 'object' || body === null) throw new Error('token response is not a JSON object');
  const doc = body as Record<string, unknown>;
  const token = typeof doc.token === 'string' && doc.token ? doc.token : doc.access_token;
  if (typeof token !== 'string' || token === '') throw new Error('token response has no token');
  const seconds = typeof doc.expires_in === 'number' && doc.expires_in >= DEFAULT_TOKEN_SECONDS ? doc.expires_in : DEFAULT_TOKEN_SECONDS;
  const issued = typeof doc.issued_at === 'string' ? Date.parse(doc.issued_at) : NaN;
  const start = Number.isNaN(issued) ? now : Math.min(issued, now);
  return { token, expiresAt: start + seconds * 1000 - EXPIRY_MARGIN_MS };
}

/** Tokens per auth server, service and scope set; expired ones are never returned. */
export class TokenCache {
  private readonly tokens = new Map<string, BearerToken>();
  constructor(private readonly now: () => number = Date.now) {}

  static key(challenge: Challenge, scopes: string[]): string {
    return [challenge.params.realm ?? '', challenge.params.service ?? '', ...[...scopes].sort()].join('\n');
  }

  get(key: string): string | undefined {
    const t = this.tokens.get(key);
    if (!t) return undefined;
    if (t.expiresAt <= this.now()) {
      this.tokens.delete(key);
      return undefined;
    }
    return t.token;
  }

  set(key: string, token: BearerToken): void {
    this.tokens.set(key, token);
  }

  delete(key: string): void {
    this.tokens.delete(key);
  }
}

/** "Basic dXNlcjpwYXNz" for RFC 7617 Basic authentication. */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}
