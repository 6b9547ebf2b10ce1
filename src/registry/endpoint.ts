/**
 * Where a registry host's requests go, over which scheme, and whose credentials may travel there.
 *
 * Credentials follow the host that receives them, never the name the user wrote: with
 * `--upstream docker.io=http://127.0.0.1:5001`, requests for docker.io images go to 127.0.0.1:5001
 * and carry 127.0.0.1:5001's credentials (if the Docker config has any), not Docker Hub's. A mirror
 * is another party; sending it the Hub password would leak it. Mapping a host to itself
 * (`--upstream quay.io=https://quay.io`) keeps quay.io's credentials, since it is the same host.
 */
import { InputError } from '../errors.js';
import { isLoopback } from '../reference.js';

export interface EndpointOptions {
  upstreams?: Record<string, string>;
  plainHttp?: string[];
  insecure?: string[];
}

export interface Endpoint {
  /** The name the user wrote, for messages: "docker.io", "127.0.0.1:5000". */
  host: string;
  /** Base URL requests go to, without trailing slash: "https://registry-1.docker.io". */
  base: string;
  /** The host whose credentials may be sent to `base`: its own host:port. */
  credentialHost: string;
  /** TLS certificate not verified (--insecure). */
  insecure: boolean;
}

/** Docker Hub's API lives on another name than its references use. */
const HUB_API = 'registry-1.docker.io';

/** The URL's host as "name[:port]" (the port only when given). */
function hostOf(url: URL): string {
  return url.host.toLowerCase();
}

export function resolveEndpoint(registry: string, opts: EndpointOptions): Endpoint {
  const upstream = opts.upstreams?.[registry];
  const listed = (list: string[] | undefined, ...hosts: string[]): boolean => hosts.some((h) => list?.includes(h) === true);
  if (upstream !== undefined) {
    let url: URL;
    try {
      url = new URL(upstream);
    } catch {
      throw new InputError(`--upstream ${registry}=${upstream}: not a URL`);
    }
    const target = hostOf(url);
    return {
      host: registry,
      base: `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`,
      credentialHost: target,
      insecure: listed(opts.insecure, registry, target),
    };
  }
  const apiHost = registry === 'docker.io' ? HUB_API : registry;
  const plain = isLoopback(apiHost) || listed(opts.plainHttp, registry);
  return {
    host: registry,
    base: `${plain ? 'http' : 'https'}://${apiHost}`,
    credentialHost: registry,
    insecure: listed(opts.insecure, registry),
  };
}

/** May a request (a redirect, a token realm) go to this URL? Plain HTTP only where allowed. */
export function allowedUrl(url: URL, opts: EndpointOptions): boolean {
  if (url.protocol === 'https:') return true;
  if (url.protocol !== 'http:') return false;
  const host = hostOf(url);
  if (isLoopback(host) || opts.plainHttp?.includes(host)) return true;
  return Object.values(opts.upstreams ?? {}).some((u) => URL.canParse(u) && u.startsWith('http://') && new URL(u).host === url.host);
}

/** Query parameters that carry no secret; the values of all others (upload `_state`, signatures) are hidden. */
const PLAIN_QUERY = new Set(['digest', 'mount', 'from', 'n', 'last', 'service', 'scope']);

/** A URL safe for messages and logs: no user info, no secret query values. */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return '(invalid URL)';
  }
  url.username = '';
  url.password = '';
  for (const key of [...url.searchParams.keys()]) if (!PLAIN_QUERY.has(key)) url.searchParams.set(key, 'redacted');
  return url.toString();
}
