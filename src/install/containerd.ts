/**
 * containerd registry configuration (containerd docs/hosts.md), pure text in and out:
 * one `hosts.toml` per upstream host that sends pulls to the mirror, and the one
 * `config_path` key in config.toml that makes the CRI plugin read them.
 */
import { parse } from 'smol-toml';
import { InputError } from '../errors.js';
import { DOCKER_HUB } from '../reference.js';

export const CERTS_DIR = '/etc/containerd/certs.d';
export const CONFIG_TOML = '/etc/containerd/config.toml';

/** How the node reaches the mirror. */
export interface MirrorAccess {
  /** "127.0.0.1:5000" */
  registry: string;
  /** Plain HTTP (no TLS at all). */
  plainHttp: boolean;
  /** HTTPS whose certificate is not verified. */
  insecure: boolean;
}

export function mirrorScheme(access: MirrorAccess): 'http' | 'https' {
  return access.plainHttp ? 'http' : 'https';
}

/** Docker Hub's namespace is docker.io but its API lives on registry-1.docker.io. */
export function upstreamServer(host: string): string {
  return host === DOCKER_HUB ? 'https://registry-1.docker.io' : `https://${host}`;
}

// TOML basic strings share JSON's escapes for the characters a host or URL can hold.
const str = (value: string): string => JSON.stringify(value);

/**
 * hosts.toml for one upstream host: try the mirror first, under its path for that host
 * (mirror naming REGISTRY/<upstream host>/<repository>); override_path because the URL already
 * holds the /v2 API root. The upstream stays the fallback `server`.
 */
export function upstreamHostsToml(host: string, access: MirrorAccess): string {
  const mirror = `${mirrorScheme(access)}://${access.registry}/v2/${host}`;
  const lines = [
    `# Written by ampere-images install: pull ${host} images from the mirror ${access.registry} first.`,
    `server = ${str(upstreamServer(host))}`,
    '',
    `[host.${str(mirror)}]`,
    '  capabilities = ["pull", "resolve"]',
    '  override_path = true',
  ];
  // containerd documents skip_verify beside an http:// host for a registry without TLS.
  if (access.plainHttp || access.insecure) lines.push('  skip_verify = true');
  return `${lines.join('\n')}\n`;
}

/**
 * hosts.toml for the mirror itself, so that references rewritten to REGISTRY/... are pulled
 * over plain HTTP (or without certificate checks); containerd assumes verified HTTPS otherwise.
 * Undefined when the defaults already fit.
 */
export function mirrorHostsToml(access: MirrorAccess): string | undefined {
  if (!access.plainHttp && !access.insecure) return undefined;
  return [
    `# Written by ampere-images install: the mirror ${access.registry} ${access.plainHttp ? 'speaks plain HTTP' : 'has an unverified certificate'}.`,
    `server = ${str(`${mirrorScheme(access)}://${access.registry}`)}`,
    'skip_verify = true',
    '',
  ].join('\n');
}

/** The CRI registry table per config.toml layout version (containerd docs/hosts.md "CRI"). */
export function registryTable(version: number): string[] {
  if (version >= 3) return ['plugins', 'io.containerd.cri.v1.images', 'registry'];
  if (version === 2) return ['plugins', 'io.containerd.grpc.v1.cri', 'registry'];
  return ['plugins', 'cri', 'registry'];
}

function tableHeader(keys: string[]): string {
  return `[${keys.map((k) => (/^[A-Za-z0-9_-]+$/.test(k) ? k : str(k))).join('.')}]`;
}

/** Keys of a `[a."b.c".d]` header line, or undefined when the line is not a table header. */
export function headerKeys(line: string): string[] | undefined {
  const m = /^\s*\[(?!\[)(.*)\]\s*(?:#.*)?$/.exec(line);
  if (!m) return undefined;
  const keys: string[] = [];
  const re = /\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*(\.|$)/y;
  const body = m[1] ?? '';
  let match: RegExpExecArray | null;
  while (re.lastIndex < body.length && (match = re.exec(body)) !== null) {
    keys.push(match[1] !== undefined ? (JSON.parse(`"${match[1]}"`) as string) : match[2] ?? match[3] ?? '');
    if (match[4] === '') break;
  }
  return keys;
}

function parseToml(text: string, file: string): Record<string, unknown> {
  try {
    return parse(text) as Record<string, unknown>;
  } catch (err) {
    const first = ((err as Error).message.split('\n')[0] ?? '').trim();
    throw new InputError(`${file}: invalid TOML: ${first}`);
  }
}

function lookup(doc: Record<string, unknown>, keys: string[]): unknown {
  let node: unknown = doc;
  for (const k of keys) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[k];
  }
  return node;
}

const sameKeys = (a: string[] | undefined, b: string[]): boolean =>
  a !== undefined && a.length === b.length && a.every((k, i) => k === b[i]);

/** Replace or add `config_path` inside the table's own lines; append the table when absent. */
function editTable(text: string, table: string[], value: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => sameKeys(headerKeys(l), table));
  const setting = `config_path = ${str(value)}`;
  if (start < 0) {
    const sep = text === '' || text.endsWith('\n\n') ? '' : text.endsWith('\n') ? '\n' : '\n\n';
    return `${text}${sep}${tableHeader(table)}\n  ${setting}\n`;
  }
  let end = lines.findIndex((l, i) => i > start && headerKeys(l) !== undefined);
  if (end < 0) end = lines.length;
  const indent = `${/^\s*/.exec(lines[start] ?? '')?.[0] ?? ''}  `;
  const at = lines.findIndex((l, i) => i > start && i < end && /^\s*config_path\s*=/.test(l));
  if (at >= 0) {
    lines[at] = `${/^\s*/.exec(lines[at] ?? '')?.[0] ?? indent}${setting}`;
  } else {
    lines.splice(start + 1, 0, `${indent}${setting}`);
  }
  return lines.join('\n');
}

/**
 * config.toml with the CRI registry `config_path` set to `certsDir`, everything else kept as
 * written. An empty or missing file becomes a minimal version 2 file (containerd 1.x and 2.x both
 * read it). Refuses a file whose inline `mirrors` would make containerd reject config_path.
 */
export function setRegistryConfigPath(text: string, file: string, certsDir: string): string {
  if (text.trim() === '') return `version = 2\n\n${tableHeader(registryTable(2))}\n  config_path = ${str(certsDir)}\n`;
  const doc = parseToml(text, file);
  const version = typeof doc.version === 'number' ? doc.version : 1;
  const table = registryTable(version);
  const mirrors = lookup(doc, [...table, 'mirrors']);
  if (typeof mirrors === 'object' && mirrors !== null && Object.keys(mirrors).length > 0) {
    throw new InputError(
      `${file}: ${table.join('.')}.mirrors is set; containerd refuses it together with config_path — move those mirrors to hosts.toml files and delete the table`,
    );
  }
  const edited = editTable(text, table, certsDir);
  let check: unknown;
  try {
    check = lookup(parse(edited) as Record<string, unknown>, [...table, 'config_path']);
  } catch {
    check = undefined;
  }
  if (check !== certsDir) {
    throw new InputError(`${file}: could not set ${table.join('.')}.config_path (the table is written in a form this tool does not edit); set config_path = ${str(certsDir)} by hand`);
  }
  return edited;
}
