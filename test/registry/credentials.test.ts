import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { InputError } from '../../src/errors.js';
import { credentialFromAuths, dockerCredentials, helperFor, parseDockerConfig, parseHelperOutput } from '../../src/registry/credentials.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('config.json entries', () => {
  const file = '/x/config.json';
  test.each([
    ['auth base64', { 'quay.io': { auth: b64('me:p:w') } }, 'quay.io', { username: 'me', password: 'p:w' }],
    ['username/password', { 'ghcr.io': { username: 'u', password: 'p' } }, 'ghcr.io', { username: 'u', password: 'p' }],
    ['identity token', { 'acr.io': { auth: b64('00000000-0000-0000-0000-000000000000:'), identitytoken: 'rt' } }, 'acr.io',
      { username: '00000000-0000-0000-0000-000000000000', password: '', identityToken: 'rt' }],
    ['key written as URL', { 'https://quay.io/v2/': { auth: b64('a:b') } }, 'quay.io', { username: 'a', password: 'b' }],
    ['Hub under its old index URL', { 'https://index.docker.io/v1/': { auth: b64('h:1') } }, 'docker.io', { username: 'h', password: '1' }],
    ['Hub as registry-1.docker.io', { 'registry-1.docker.io': { auth: b64('h:2') } }, 'docker.io', { username: 'h', password: '2' }],
    ['Hub as docker.io', { 'docker.io': { auth: b64('h:3') } }, 'docker.io', { username: 'h', password: '3' }],
    ['host with port', { '127.0.0.1:5000': { auth: b64('l:p') } }, '127.0.0.1:5000', { username: 'l', password: 'p' }],
    ['other host only', { 'quay.io': { auth: b64('a:b') } }, 'ghcr.io', undefined],
    ['port must match', { '127.0.0.1:5000': { auth: b64('l:p') } }, '127.0.0.1:5001', undefined],
    ['empty entry (credsStore writes these)', { 'quay.io': {} }, 'quay.io', undefined],
  ])('%s', (_name, auths, host, expected) => {
    const config = parseDockerConfig(JSON.stringify({ auths }), file);
    expect(credentialFromAuths(config, host, file)).toEqual(expected);
  });

  test('bad input names the file and key, never the content', () => {
    expect(() => parseDockerConfig('{"auths": ', file)).toThrow(new InputError(`${file}: not valid JSON`));
    const config = parseDockerConfig(JSON.stringify({ auths: { 'quay.io': { auth: b64('nocolon-secret') } } }), file);
    const err = (() => {
      try {
        credentialFromAuths(config, 'quay.io', file);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(InputError);
    expect(err?.message).toBe(`${file}: auths["quay.io"].auth is not base64 of user:password`);
    expect(err?.message).not.toContain('nocolon-secret');
  });

  test('a per-host helper wins over the store', () => {
    const config = parseDockerConfig(JSON.stringify({ credsStore: 'desktop', credHelpers: { 'gcr.io': 'gcloud', 'https://index.docker.io/v1/': 'hub' } }), file);
    expect(helperFor(config, 'gcr.io')).toBe('gcloud');
    expect(helperFor(config, 'docker.io')).toBe('hub');
    expect(helperFor(config, 'quay.io')).toBe('desktop');
  });

  test('helper output', () => {
    expect(parseHelperOutput('{"ServerURL":"x","Username":"u","Secret":"s"}', 'h')).toEqual({ username: 'u', password: 's' });
    expect(parseHelperOutput('{"Username":"<token>","Secret":"rt"}', 'h')).toEqual({ identityToken: 'rt' });
    expect(parseHelperOutput('', 'h')).toBeUndefined();
    expect(() => parseHelperOutput('oops secret', 'h')).toThrow(/docker-credential-h printed something other than JSON/);
  });
});

describe('dockerCredentials with a temp DOCKER_CONFIG and a credential helper on PATH', () => {
  let dir: string;
  let bin: string;
  const env = (): NodeJS.ProcessEnv => ({ DOCKER_CONFIG: dir });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ampere-dockercfg-'));
    bin = mkdtempSync(join(tmpdir(), 'ampere-bin-'));
    // A credential helper speaking the docker-credential-helpers protocol; logs what it was asked.
    writeFileSync(join(bin, 'docker-credential-test'), `#!/bin/sh
[ "$1" = get ] || exit 3
read server
echo "$server" >> "${bin}/asked"
case "$server" in
  helped.example) echo '{"ServerURL":"helped.example","Username":"hu","Secret":"hs"}' ;;
  https://index.docker.io/v1/) echo '{"ServerURL":"hub","Username":"<token>","Secret":"hub-refresh"}' ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`);
    chmodSync(join(bin, 'docker-credential-test'), 0o755);
    writeFileSync(join(bin, 'docker-credential-broken'), '#!/bin/sh\necho "boom: internal" >&2\nexit 2\n');
    chmodSync(join(bin, 'docker-credential-broken'), 0o755);
    process.env.PATH = `${bin}${delimiter}${process.env.PATH}`;
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(bin, { recursive: true, force: true });
  });

  test('auths, credHelpers, credsStore and the fallback to auths', async () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({
      auths: { 'plain.example': { auth: b64('pu:pp') }, 'stored.example': { auth: b64('su:sp') } },
      credsStore: 'test',
      credHelpers: { 'broken.example': 'broken' },
    }));
    const lookup = dockerCredentials({ env: env() });
    expect(await lookup('helped.example')).toEqual({ username: 'hu', password: 'hs' });
    expect(await lookup('docker.io')).toEqual({ identityToken: 'hub-refresh' });
    // The store does not know it: the auths entry is used.
    expect(await lookup('stored.example')).toEqual({ username: 'su', password: 'sp' });
    expect(await lookup('nobody.example')).toBeUndefined();
    await expect(lookup('broken.example')).rejects.toThrow('credential helper docker-credential-broken failed: boom: internal');
    // Asked once per host, with Hub under its index URL.
    await lookup('helped.example');
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(join(bin, 'asked'), 'utf8').trim().split('\n')).toEqual([
      'helped.example', 'https://index.docker.io/v1/', 'stored.example', 'nobody.example',
    ]);
  });

  test('no config file means anonymous; a missing helper is one clear error', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'ampere-dockercfg-'));
    expect(await dockerCredentials({ env: { DOCKER_CONFIG: empty } })('quay.io')).toBeUndefined();
    writeFileSync(join(empty, 'config.json'), JSON.stringify({ credsStore: 'absent-helper' }));
    await expect(dockerCredentials({ env: { DOCKER_CONFIG: empty } })('quay.io')).rejects.toThrow('credential helper docker-credential-absent-helper not found on PATH');
    rmSync(empty, { recursive: true, force: true });
  });

  test('~/.docker/config.json when DOCKER_CONFIG is unset', async () => {
    const home = mkdtempSync(join(tmpdir(), 'ampere-home-'));
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(home, '.docker'));
    writeFileSync(join(home, '.docker', 'config.json'), JSON.stringify({ auths: { 'quay.io': { auth: b64('h:p') } } }));
    expect(await dockerCredentials({ env: {}, home })('quay.io')).toEqual({ username: 'h', password: 'p' });
    rmSync(home, { recursive: true, force: true });
  });
});
