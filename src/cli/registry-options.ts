/**
 * The registry flags every networked command shares (DESIGN.md "Common flags"), turned into
 * RegistryOptions. Bad values are InputErrors naming the flag (exit 2).
 */
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import type { RegistryOptions } from '../registry/client.js';

/** A bare --plain-http: it applies to the command's --registry (the target). */
const TARGET = '';

function collect(value: string | undefined, prev: unknown): string[] {
  const list = Array.isArray(prev) ? (prev as string[]) : prev === true ? [TARGET] : [];
  return [...list, value ?? TARGET];
}

export function addRegistryOptions(cmd: Command): Command {
  return cmd
    .option('--upstream <HOST=URL>', 'fetch images of HOST from URL instead, like a containerd mirror (repeatable; http:// means plain HTTP)', collect)
    .option('--plain-http [HOST]', 'reach HOST over plain HTTP; bare: the target --registry (repeatable; loopback hosts always may)', collect)
    .option('--insecure <HOST>', 'do not verify the TLS certificate of HOST (repeatable)', collect)
    .option('--concurrency <N>', 'requests in flight per registry host (default 16)')
    .option('--timeout <SECONDS>', 'timeout of each registry request, in seconds (default 30)');
}

const HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::\d{1,5})?$/;

function hosts(value: unknown, flag: string, target: string | undefined): string[] {
  if (value === undefined) return [];
  const list = value === true ? [TARGET] : (value as string[]);
  return list.map((h) => {
    if (h === TARGET) {
      if (!target) throw new InputError(`${flag} without a HOST needs --registry`);
      return target;
    }
    if (!HOST.test(h)) throw new InputError(`${flag} "${h}": expected HOST[:PORT]`);
    return h.toLowerCase();
  });
}

function upstreams(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of (value as string[] | undefined) ?? []) {
    const eq = v.indexOf('=');
    const host = v.slice(0, eq).toLowerCase();
    const url = v.slice(eq + 1);
    if (eq <= 0 || !HOST.test(host) || !URL.canParse(url) || !/^https?:\/\/[^/]/.test(url)) {
      throw new InputError(`--upstream "${v}": expected HOST=http(s)://HOST[:PORT]`);
    }
    // References name Docker Hub "docker.io" whichever alias the user wrote.
    out[HUB_ALIASES.has(host) ? 'docker.io' : host] = url;
  }
  return out;
}

function positive(value: unknown, flag: string, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new InputError(`${flag} "${String(value)}": expected a positive ${integer ? 'whole number' : 'number'}`);
  }
  return n;
}

/** `opts` are commander's parsed options; `registry` (the target, when the command has one) serves bare --plain-http. */
export function registryOptionsFrom(opts: Record<string, unknown>, log?: (l: string) => void): RegistryOptions {
  const target = typeof opts.registry === 'string' ? opts.registry : undefined;
  const out: RegistryOptions = {
    upstreams: upstreams(opts.upstream),
    plainHttp: hosts(opts.plainHttp, '--plain-http', target),
    insecure: hosts(opts.insecure, '--insecure', target),
  };
  const concurrency = positive(opts.concurrency, '--concurrency', true);
  if (concurrency !== undefined) out.concurrency = concurrency;
  const timeout = positive(opts.timeout, '--timeout', false);
  if (timeout !== undefined) out.timeoutMs = Math.round(timeout * 1000);
  if (log) out.log = log;
  return out;
}
