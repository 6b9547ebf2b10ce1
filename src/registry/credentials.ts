/**
 * Registry credentials from the Docker client configuration: `$DOCKER_CONFIG/config.json` or
 * `~/.docker/config.json`, with `auths`, `credsStore` and `credHelpers` (docker-credential-helpers
 * protocol: `docker-credential-<name> get`, server on stdin, JSON on stdout).
 * Credentials are looked up by the user-facing host ("docker.io"); client.ts decides where they go.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors.js';

export interface Credential {
  username?: string;
  password?: string;
  /** OAuth2 refresh token (docker login with an identity provider). */
  identityToken?: string;
}

/** host -> credential, or undefined for anonymous access. */
export type CredentialLookup = (host: string) => Promise<Credential | undefined>;

export const anonymous: CredentialLookup = async () => undefined;

/** The parts of config.json we read. */
export interface DockerConfig {
  auths: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers: Record<string, string>;
}

/** Docker keeps Hub credentials under its old index URL; other tools write the newer names. */
export const HUB_KEYS = ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];
const HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** "https://quay.io/v2/" -> "quay.io": how Docker matches config keys to hosts. */
function keyHost(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '').toLowerCase();
}

/** The keys under which `host`'s credentials may be stored, most specific first. */
export function configKeys(host: string): string[] {
  return HUB_HOSTS.has(host) ? HUB_KEYS : [host];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function strings(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isRecord(v)) for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  return out;
}

/** Parse config.json text; throws InputError naming the file (never quoting its content). */
export function parseDockerConfig(text: string, file: string): DockerConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new InputError(`${file}: not valid JSON`);
  }
  if (!isRecord(doc)) throw new InputError(`${file}: not a JSON object`);
  const auths: DockerConfig['auths'] = {};
  if (isRecord(doc.auths)) for (const [k, v] of Object.entries(doc.auths)) auths[k] = strings(v);
  const config: DockerConfig = { auths, credHelpers: strings(doc.credHelpers) };
  if (typeof doc.credsStore === 'string' && doc.credsStore) config.credsStore = doc.credsStore;
  return config;
}

/** The `auths` entry for `host` as a credential; `file` names the config in errors. */
export function credentialFromAuths(config: DockerConfig, host: string, file: string): Credential | undefined {
  const wanted = new Set(configKeys(host).map(keyHost));
  const key = Object.keys(config.auths).find((k) => wanted.has(keyHost(k)));
  if (key === undefined) return undefined;
  const entry = config.auths[key]!;
  const cred: Credential = {};
  if (entry.auth) {
    const plain = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = plain.indexOf(':');
    if (colon < 0) throw new InputError(`${file}: auths["${key}"].auth is not base64 of user:password`);
    cred.username = plain.slice(0, colon);
    cred.password = plain.slice(colon + 1);
  } else if (entry.username !== undefined) {
    cred.username = entry.username;
    cred.password = entry.password ?? '';
  }
  if (entry.identitytoken) cred.identityToken = entry.identitytoken;
  return Object.keys(cred).length > 0 ? cred : undefined;
}

/** The credential helper responsible for `host`: a per-host helper wins over the store. */
export function helperFor(config: DockerConfig, host: string): string | undefined {
  const wanted = new Set(configKeys(host).map(keyHost));
  const key = Object.keys(config.credHelpers).find((k) => wanted.has(keyHost(k)));
  return key !== undefined ? config.credHelpers[key] : config.credsStore;
}

/** Runs `docker-credential-<name> get` with the server on stdin; resolves its stdout. */
export type HelperRunner = (helper: string, server: string) => Promise<string>;

const HELPER_TIMEOUT_MS = 15_000;

export const runHelper: HelperRunner = (helper, server) =>
  new Promise((resolve, reject) => {
    const child = execFile(`docker-credential-${helper}`, ['get'], { timeout: HELPER_TIMEOUT_MS }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      // Helpers print "credentials not found in native keychain" for an unknown server.
      if (/not found/i.test(`${stdout}${stderr}`)) return resolve('');
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'not found on PATH' : `failed: ${stderr.trim().split('\n')[0] ?? ''}`;
      reject(new InputError(`credential helper docker-credential-${helper} ${why}`));
    });
    // A helper may exit without reading stdin; its exit status tells what happened.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(server);
  });

/** A helper's JSON ({ServerURL, Username, Secret}) as a credential; "<token>" marks an identity token. */
export function parseHelperOutput(stdout: string, helper: string): Credential | undefined {
  if (stdout.trim() === '') return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    throw new InputError(`credential helper docker-credential-${helper} printed something other than JSON`);
  }
  const { Username, Secret } = strings(doc);
  if (!Secret) return undefined;
  return Username === '<token>' ? { identityToken: Secret } : { username: Username ?? '', password: Secret };
}

export interface DockerCredentialsOptions {
  env?: NodeJS.ProcessEnv;
  home?: string;
  run?: HelperRunner;
}

/** The Docker config file this environment uses. */
export function dockerConfigFile(env: NodeJS.ProcessEnv, home: string): string {
  return env.DOCKER_CONFIG ? join(env.DOCKER_CONFIG, 'config.json') : join(home, '.docker', 'config.json');
}

/**
 * Credentials as Docker would find them. The file is read once, helpers once per host; a missing
 * file means anonymous access.
 */
export function dockerCredentials(opts: DockerCredentialsOptions = {}): CredentialLookup {
  const file = dockerConfigFile(opts.env ?? process.env, opts.home ?? homedir());
  const run = opts.run ?? runHelper;
  let config: Promise<DockerConfig | undefined> | undefined;
  const found = new Map<string, Promise<Credential | undefined>>();
  const load = async (): Promise<DockerConfig | undefined> => {
    const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw new InputError(`${file}: cannot be read (${err.code ?? 'error'})`);
    });
    return text === undefined ? undefined : parseDockerConfig(text, file);
  };
  const lookup = async (host: string): Promise<Credential | undefined> => {
    const cfg = await (config ??= load());
    if (!cfg) return undefined;
    const helper = helperFor(cfg, host);
    if (helper) {
      const server = HUB_HOSTS.has(host) ? HUB_KEYS[0]! : host;
      const cred = parseHelperOutput(await run(helper, server), helper);
      if (cred) return cred;
    }
    return credentialFromAuths(cfg, host, file);
  };
  return (host) => {
    let p = found.get(host);
    if (!p) found.set(host, (p = lookup(host)));
    return p;
  };
}
