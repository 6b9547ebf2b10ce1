import { describe, expect, test } from 'vitest';
import { basicAuthorization, parseChallenges, parseTokenResponse, pickChallenge, pullScope, pushScope, TokenCache } from '../../src/registry/auth.js';

describe('parseChallenges', () => {
  test.each([
    ['Bearer realm="https://auth.docker.io/token",service="registry.docker.io"',
      [{ scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io' } }]],
    ['Basic realm="Registry Realm"', [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]],
    // Scope values contain commas inside quotes; an error parameter follows.
    ['Bearer realm="https://r/token",service="reg",scope="repository:a/b:pull,push",error="insufficient_scope"',
      [{ scheme: 'bearer', params: { realm: 'https://r/token', service: 'reg', scope: 'repository:a/b:pull,push', error: 'insufficient_scope' } }]],
    // Several challenges in one header; spaces around "=" and mixed case.
    ['Basic realm="x", BEARER Realm = "https://t/x" , Service=svc',
      [{ scheme: 'basic', params: { realm: 'x' } }, { scheme: 'bearer', params: { realm: 'https://t/x', service: 'svc' } }]],
    // Escaped quote in a quoted value, unquoted token value.
    ['Bearer realm="https://t/a\\"b",service=plain', [{ scheme: 'bearer', params: { realm: 'https://t/a"b', service: 'plain' } }]],
    // A bare scheme followed by another challenge; a token68 that is no parameter.
    ['Negotiate, Basic realm="r"', [{ scheme: 'negotiate', params: {} }, { scheme: 'basic', params: { realm: 'r' } }]],
    ['Negotiate abc==, Basic realm="r"', [{ scheme: 'negotiate', params: {} }, { scheme: 'basic', params: { realm: 'r' } }]],
    ['', []],
  ])('%s', (header, expected) => {
    expect(parseChallenges(header)).toEqual(expected);
  });

  test('pickChallenge prefers Bearer with a realm, then Basic', () => {
    expect(pickChallenge(parseChallenges('Basic realm="x", Bearer realm="https://t"'))?.scheme).toBe('bearer');
    expect(pickChallenge(parseChallenges('Bearer service="no-realm", Basic realm="x"'))?.scheme).toBe('basic');
    expect(pickChallenge(parseChallenges('Negotiate'))).toBeUndefined();
  });
});

test('scopes for reads and writes', () => {
  expect(pullScope('library/nginx')).toBe('repository:library/nginx:pull');
  expect(pushScope('x/y')).toBe('repository:x/y:pull,push');
});

describe('parseTokenResponse', () => {
  const now = Date.parse('2024-01-01T00:00:00Z');
  test.each([
    [{ token: 't', expires_in: 300 }, 't', now + 300_000 - 5_000],
    [{ access_token: 'a', expires_in: 120 }, 'a', now + 120_000 - 5_000],
    // Missing or too short lifetimes count as the spec's 60 s.
    [{ token: 't' }, 't', now + 60_000 - 5_000],
    [{ token: 't', expires_in: 10 }, 't', now + 60_000 - 5_000],
    // A server clock behind ours shortens the lifetime; one ahead is ignored.
    [{ token: 't', expires_in: 300, issued_at: '2023-12-31T23:59:00Z' }, 't', now + 240_000 - 5_000],
    [{ token: 't', expires_in: 300, issued_at: '2024-01-01T01:00:00Z' }, 't', now + 300_000 - 5_000],
  ])('%j', (body, token, expiresAt) => {
    expect(parseTokenResponse(body, now)).toEqual({ token, expiresAt });
  });
  test('refuses answers without a token', () => {
    expect(() => parseTokenResponse({ expires_in: 3 }, now)).toThrow(/no token/);
    expect(() => parseTokenResponse('x', now)).toThrow(/not a JSON object/);
  });
});

test('TokenCache keys by realm, service and scope set, and drops expired tokens', () => {
  let clock = 1_000;
  const cache = new TokenCache(() => clock);
  const ch = { scheme: 'bearer', params: { realm: 'https://t', service: 's' } };
  const k1 = TokenCache.key(ch, ['repository:a:pull', 'repository:b:pull']);
  expect(TokenCache.key(ch, ['repository:b:pull', 'repository:a:pull'])).toBe(k1);
  expect(TokenCache.key(ch, ['repository:a:pull'])).not.toBe(k1);
  expect(TokenCache.key({ scheme: 'bearer', params: { realm: 'https://t', service: 'other' } }, ['repository:a:pull', 'repository:b:pull'])).not.toBe(k1);
  cache.set(k1, { token: 'tok', expiresAt: 2_000 });
  expect(cache.get(k1)).toBe('tok');
  clock = 2_000;
  expect(cache.get(k1)).toBeUndefined();
});

test('basicAuthorization', () => {
  expect(basicAuthorization('user', 'p:ss')).toBe(`Basic ${Buffer.from('user:p:ss').toString('base64')}`);
});
