/**
 * Image references, parsed by the distribution grammar
 * (github.com/distribution/reference, grammar in reference.go) and normalised the way Docker does:
 * `nginx` is `docker.io/library/nginx:latest`. No I/O here.
 */
import { InvalidReference } from './errors.js';

export interface ImageRef {
  /** Registry host, with port when given: "docker.io", "127.0.0.1:5000". */
  registry: string;
  /** Repository path: "library/nginx", "prometheus/prometheus". */
  repository: string;
  /** "1.36"; undefined when only a digest was given. */
  tag?: string;
  /** "sha256:…"; when set, the image is resolved by it and the tag is only for display. */
  digest?: string;
}

export const DOCKER_HUB = 'docker.io';
const HUB_ALIASES = new Set(['index.docker.io', 'registry-1.docker.io', 'docker.io']);

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const SHA256 = /^sha256:[a-f0-9]{64}$/;
const DOMAIN_LABEL = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const IPV6 = /^\[[a-fA-F0-9:]+\]$/;
const NAME_TOTAL_MAX = 255;

/** True when the first path element names a registry host rather than a Docker Hub namespace. */
function isDomain(part: string): boolean {
  return part.includes('.') || part.includes(':') || part === 'localhost' || part !== part.toLowerCase();
}

function checkDomain(value: string, domain: string): void {
  let host = domain;
  let port: string | undefined;
  if (domain.startsWith('[')) {
    const close = domain.indexOf(']');
    host = domain.slice(0, close + 1);
    const rest = domain.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) throw new InvalidReference(value, `invalid registry host "${domain}"`);
    port = rest ? rest.slice(1) : undefined;
    if (!IPV6.test(host)) throw new InvalidReference(value, `invalid registry host "${domain}"`);
  } else {
    const colon = domain.lastIndexOf(':');
    if (colon >= 0) {
      host = domain.slice(0, colon);
      port = domain.slice(colon + 1);
    }
    if (!host.split('.').every((label) => DOMAIN_LABEL.test(label))) {
      throw new InvalidReference(value, `invalid registry host "${domain}"`);
    }
  }
  if (port !== undefined && !/^[0-9]{1,5}$/.test(port)) {
    throw new InvalidReference(value, `invalid port in registry host "${domain}"`);
  }
}

/** Parse a reference; throws InvalidReference with the reason. */
export function parseReference(input: string): ImageRef {
  const value = input.trim();
  if (value === '') throw new InvalidReference(input, 'empty reference');
  if (/\s/.test(value)) throw new InvalidReference(input, 'contains white space');
  // An image ID, not a name (distribution's ParseNormalizedNamed refuses it the same way).
  if (/^[a-f0-9]{64}$/.test(value)) throw new InvalidReference(input, 'a 64-character hex string is an image ID, not a repository name');

  let rest = value;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new InvalidReference(input, `invalid digest "${digest}"`);
    if (digest.startsWith('sha256:') && !SHA256.test(digest)) {
      throw new InvalidReference(input, `invalid sha256 digest "${digest}"`);
    }
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > lastSlash) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) throw new InvalidReference(input, `invalid tag "${tag}"`);
  }
  if (rest === '') throw new InvalidReference(input, 'missing repository name');

  const parts = rest.split('/');
  let registry = DOCKER_HUB;
  if (parts.length > 1 && isDomain(parts[0]!)) {
    const domain = parts.shift()!;
    checkDomain(input, domain);
    // Host names are case-insensitive; one spelling keeps --upstream and lock lookups exact. A
    // name that is a host only by its capitals ("Team/app") keeps them, or it would read as a namespace.
    const host = isDomain(domain.toLowerCase()) ? domain.toLowerCase() : domain;
    registry = HUB_ALIASES.has(host) ? DOCKER_HUB : host;
  }
  for (const part of parts) {
    if (part === '') throw new InvalidReference(input, 'empty path component');
    if (part !== part.toLowerCase() && COMPONENT.test(part.toLowerCase())) {
      throw new InvalidReference(input, 'repository name must be lowercase');
    }
    if (!COMPONENT.test(part)) throw new InvalidReference(input, `invalid repository path component "${part}"`);
  }
  let repository = parts.join('/');
  if (registry === DOCKER_HUB && parts.length === 1) repository = `library/${repository}`;
  if (`${registry}/${repository}`.length > NAME_TOTAL_MAX) {
    throw new InvalidReference(input, `repository name longer than ${NAME_TOTAL_MAX} characters`);
  }
  if (tag === undefined && digest === undefined) tag = 'latest';
  const ref: ImageRef = { registry, repository };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/** "docker.io/library/nginx:1.25@sha256:…": the canonical string, tag and digest when both are known. */
export function formatReference(ref: ImageRef): string {
  let out = `${ref.registry}/${ref.repository}`;
  if (ref.tag !== undefined) out += `:${ref.tag}`;
  if (ref.digest !== undefined) out += `@${ref.digest}`;
  return out;
}

/** "docker.io/library/nginx": registry and repository only. */
export function repositoryName(ref: ImageRef): string {
  return `${ref.registry}/${ref.repository}`;
}

/** What to ask the registry's manifest endpoint for: the digest when pinned, else the tag. */
export function manifestReference(ref: ImageRef): string {
  return ref.digest ?? ref.tag ?? 'latest';
}

/** Short form as a person writes it: "nginx:1.25", "quay.io/x/y:1". */
export function familiarName(ref: ImageRef): string {
  let name = formatReference(ref);
  if (ref.registry === DOCKER_HUB) {
    name = name.slice(DOCKER_HUB.length + 1);
    if (name.startsWith('library/')) name = name.slice('library/'.length);
  }
  return name;
}

/** True when `value` is a string that parses as a reference: for validators with their own message. */
export function isReference(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    parseReference(value);
    return true;
  } catch {
    return false;
  }
}

export function isSha256Digest(value: string): boolean {
  return SHA256.test(value);
}

/** A copy of `ref` with other fields; undefined values remove the field. */
export function withRef(ref: ImageRef, change: Partial<ImageRef>): ImageRef {
  const next: ImageRef = { ...ref, ...change };
  for (const key of ['tag', 'digest'] as const) if (next[key] === undefined) delete next[key];
  return next;
}

/** 127.0.0.0/8, ::1 and localhost, with or without a port: plain HTTP is fine there, as in Docker. */
export function isLoopback(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
  return name === 'localhost' || name === '[::1]' || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name);
}
