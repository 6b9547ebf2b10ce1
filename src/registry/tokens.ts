/**
 * Bearer tokens from a registry's token service (distribution token spec auth/token.md, and
 * auth/oauth.md for identity tokens). The credentials go to the realm the registry named, as
 * Docker does, but never over plain HTTP to a host that was not allowed plain HTTP.
 */
import { AuthError } from '../errors.js';
import { parseTokenResponse, type BearerToken, type Challenge } from './auth.js';
import type { Credential } from './credentials.js';
import { allowedUrl, redactUrl, type EndpointOptions } from './endpoint.js';
import { networkError, responseError } from './failures.js';
import type { Http, HttpResponse } from './http.js';

const MAX_TOKEN_RESPONSE = 1024 * 1024;
/** Identifies us to OAuth2 token services, which require a client_id. */
const CLIENT_ID = 'ampere-images';

export interface TokenRequest {
  challenge: Challenge;
  scopes: string[];
  credential: Credential | undefined;
  /** For messages: "docker.io". */
  host: string;
  insecure: boolean;
}

export async function fetchToken(http: Http, req: TokenRequest, policy: EndpointOptions): Promise<BearerToken> {
  const realm = realmUrl(req, policy);
  return http.retrying(`token for ${req.host}`, async () => {
    let res: HttpResponse | undefined;
    let method = 'POST';
    if (req.credential?.identityToken) {
      res = await postRefreshToken(http, realm, req, req.credential.identityToken);
      // Token services without OAuth2 answer 404/405 to POST; the spec says fall back to GET.
      if (res.status === 404 || res.status === 405) {
        await http.discard(res);
        res = undefined;
      }
    }
    if (!res) {
      method = 'GET';
      res = await getToken(http, realm, req);
    }
    if (res.status !== 200) throw await tokenError(http, res, req);
    const bytes = await http.read(res, MAX_TOKEN_RESPONSE, `${req.host}: token response`);
    try {
      return parseTokenResponse(JSON.parse(Buffer.from(bytes).toString('utf8')), http.now());
    } catch (err) {
      const what = err instanceof SyntaxError ? 'is not JSON' : (err as Error).message;
      throw new AuthError(`${req.host}: token service answer ${what}`, { method, url: redactUrl(res.url), status: 200 });
    }
  });
}

function realmUrl(req: TokenRequest, policy: EndpointOptions): URL {
  const raw = req.challenge.params.realm ?? '';
  let realm: URL;
  try {
    realm = new URL(raw);
  } catch {
    throw new AuthError(`${req.host}: token realm "${redactUrl(raw)}" is not a URL`, { method: 'GET', url: '' });
  }
  if (!allowedUrl(realm, policy)) {
    throw new AuthError(`${req.host}: token realm ${redactUrl(raw)} is plain HTTP on a host not allowed plain HTTP`, { method: 'GET', url: redactUrl(raw) });
  }
  return realm;
}

/** One request to the token service; a network failure becomes a RegistryError naming it. */
async function send(http: Http, req: TokenRequest, request: Parameters<Http['send']>[0]): Promise<HttpResponse> {
  try {
    return await http.send(request);
  } catch (err) {
    throw networkError(`${req.host}: token service`, request.method, request.url, err);
  }
}

function getToken(http: Http, realm: URL, req: TokenRequest): Promise<HttpResponse> {
  const url = new URL(realm);
  if (req.challenge.params.service) url.searchParams.set('service', req.challenge.params.service);
  for (const scope of req.scopes) url.searchParams.append('scope', scope);
  const headers: Record<string, string> = {};
  const cred = req.credential;
  if (cred?.username !== undefined && cred.password !== undefined) {
    url.searchParams.set('account', cred.username);
    headers.authorization = `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
  }
  return send(http, req, { method: 'GET', url: url.toString(), headers, insecure: req.insecure });
}

function postRefreshToken(http: Http, realm: URL, req: TokenRequest, refreshToken: string): Promise<HttpResponse> {
  const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: CLIENT_ID });
  if (req.challenge.params.service) form.set('service', req.challenge.params.service);
  if (req.scopes.length > 0) form.set('scope', req.scopes.join(' '));
  return send(http, req, {
    method: 'POST',
    url: realm.toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new Uint8Array(Buffer.from(form.toString())),
    insecure: req.insecure,
  });
}

async function tokenError(http: Http, res: HttpResponse, req: TokenRequest): Promise<Error> {
  const text = await http.errorText(res);
  const err = responseError(`${req.host}: token service`, 'GET', res.url, res.status, text);
  if (res.status === 401 || res.status === 403) {
    const who = req.credential ? 'rejected the credentials' : 'refused anonymous access';
    return new AuthError(`${req.host}: token service ${who} (HTTP ${res.status})`, {
      method: 'GET', url: redactUrl(res.url), status: res.status, codes: err.codes,
    });
  }
  return err;
}
