/**
 * Helpers for the reliability suite: run the built CLI as a user would (its own process, its own
 * Docker config), and read a target registry back with tools that are not ours (skopeo, plain
 * fetch) to prove that every tag points at a complete, verified image.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'index.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall time of the process. */
  ms: number;
}

export interface CliOptions {
  cwd: string;
  /** Added to a clean environment (PATH, HOME, and an empty DOCKER_CONFIG unless given). */
  env?: Record<string, string>;
}

/** A fresh folder under the system temp dir. */
export function workdir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `ampere-rel-${prefix}-`));
}

/**
 * Run `node dist/cli/index.js ARGS`. The environment is minimal on purpose: no credentials of the
 * machine's user can leak in, and DOCKER_CONFIG points at an empty folder unless the test gives one.
 */
export function cli(args: string[], opts: CliOptions): Promise<CliRun> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npx tsc -p . first`);
  const emptyConfig = join(opts.cwd, '.no-docker-config');
  mkdirSync(emptyConfig, { recursive: true });
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: opts.cwd, DOCKER_CONFIG: emptyConfig, ...opts.env };
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

/** Every "repository:tag" of a registry, read over plain HTTP with fetch (not our client). */
export async function listTags(registryUrl: string): Promise<string[]> {
  const catalog = (await (await fetch(`${registryUrl}/v2/_catalog?n=1000`)).json()) as { repositories: string[] | null };
  const out: string[] = [];
  for (const repo of catalog.repositories ?? []) {
    const res = await fetch(`${registryUrl}/v2/${repo}/tags/list`);
    if (res.status === 404) continue;
    const { tags } = (await res.json()) as { tags: string[] | null };
    for (const tag of tags ?? []) out.push(`${repo}:${tag}`);
  }
  return out.sort();
}

/**
 * `skopeo copy --all` of every tag of a plain-HTTP registry into an OCI layout: skopeo reads every
 * manifest and blob each tag reaches and checks every digest, so a tag pointing at an incomplete or
 * corrupt image fails here. Returns the tags checked.
 */
export async function assertTagsComplete(host: string): Promise<string[]> {
  const tags = await listTags(`http://${host}`);
  const dir = workdir('oci');
  try {
    for (const [i, tag] of tags.entries()) {
      await exec('skopeo', ['copy', '--all', '--quiet', '--src-tls-verify=false', `docker://${host}/${tag}`, `oci:${join(dir, String(i))}:x`], { maxBuffer: 1 << 24 });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return tags;
}

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

async function fetchVerified(url: string, digest: string | undefined, accept?: string): Promise<Buffer> {
  const res = await fetch(url, accept ? { headers: { accept } } : {});
  if (res.status !== 200) throw new Error(`GET ${url}: HTTP ${res.status}`);
  const body = Buffer.from(await res.arrayBuffer());
  const actual = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  const expected = digest ?? res.headers.get('docker-content-digest');
  if (actual !== expected) throw new Error(`GET ${url}: content is ${actual}, expected ${expected}`);
  return body;
}

/**
 * Walk what `reference` points at with plain fetch, checking every manifest and blob against its
 * digest: for trees skopeo 1.9 cannot copy (an index nested in an index). Returns the digests seen.
 */
export async function assertTreeComplete(registryUrl: string, repo: string, reference: string, digest?: string): Promise<string[]> {
  const body = await fetchVerified(`${registryUrl}/v2/${repo}/manifests/${reference}`, digest, ACCEPT);
  const doc = JSON.parse(body.toString('utf8')) as { manifests?: Array<{ digest: string }>; config?: { digest: string }; layers?: Array<{ digest: string }> };
  const seen = [`sha256:${createHash('sha256').update(body).digest('hex')}`];
  for (const child of doc.manifests ?? []) seen.push(...(await assertTreeComplete(registryUrl, repo, child.digest, child.digest)));
  for (const blob of [...(doc.config ? [doc.config] : []), ...(doc.layers ?? [])]) {
    await fetchVerified(`${registryUrl}/v2/${repo}/blobs/${blob.digest}`, blob.digest);
    seen.push(blob.digest);
  }
  return seen;
}

/** The digest a tag resolves to, as skopeo reads it (plain HTTP). */
export async function skopeoDigest(ref: string): Promise<string> {
  const { stdout } = await exec('skopeo', ['inspect', '--tls-verify=false', '--format', '{{.Digest}}', `docker://${ref}`]);
  return stdout.trim();
}

/** The exact manifest bytes of a reference, as skopeo reads them (plain HTTP). */
export async function skopeoRaw(ref: string): Promise<any> {
  const { stdout } = await exec('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`], { maxBuffer: 1 << 24 });
  return JSON.parse(stdout);
}

/** Does the registry hold this blob in this repository? HEAD over plain HTTP. */
export async function blobExists(registryUrl: string, repo: string, digest: string): Promise<boolean> {
  return (await fetch(`${registryUrl}/v2/${repo}/blobs/${digest}`, { method: 'HEAD' })).status === 200;
}

export interface FileState {
  /** Path relative to the folder. */
  path: string;
  mtimeMs: number;
  size: number;
}

/** Every file below `dir` with its mtime and size: compare before and after to prove nothing was written. */
export function snapshot(dir: string): FileState[] {
  const out: FileState[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const s = statSync(p);
        out.push({ path: relative(dir, p), mtimeMs: s.mtimeMs, size: s.size });
      }
    }
  };
  walk(dir);
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** The text of every file below `dir` (for secret scans). */
export function allFileText(dir: string): string {
  return snapshot(dir).map((f) => readFileSync(join(dir, f.path), 'latin1')).join('\n');
}

/**
 * The forms a secret could leak in: as is, URL-encoded, and base64 at each of the three byte
 * alignments it could sit at inside a longer base64 string (such as base64 of "user:password").
 * Each base64 form drops the characters that depend on neighbouring bytes.
 */
export function secretForms(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret)]);
  const bytes = Buffer.byteLength(secret);
  for (let pad = 0; pad < 3; pad++) {
    const b64 = Buffer.from(`${'\0'.repeat(pad)}${secret}`).toString('base64');
    // Character i carries bits [6i, 6i + 6); keep those made of the secret's bits only.
    const core = b64.slice(Math.ceil((8 * pad) / 6), Math.floor((8 * (pad + bytes)) / 6));
    forms.add(core);
    forms.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...forms].filter((f) => f.length >= 8);
}
