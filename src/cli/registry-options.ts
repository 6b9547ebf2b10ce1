/** The registry flags every networked command shares, turned into RegistryOptions. */
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import type { RegistryOptions } from '../registry/client.js';

const collect = (value: string, prev: string[] = []): string[] => [...prev, value];

export function addRegistryOptions(cmd: Command): Command {
  return cmd
    .option('--upstream <HOST=URL>', 'fetch images of HOST from URL instead (repeatable; http:// means plain HTTP)', collect)
    .option('--plain-http [HOST]', 'reach HOST (default: the target registry) over plain HTTP (repeatable)', collect)
    .option('--insecure <HOST>', 'do not verify the TLS certificate of HOST (repeatable)', collect)
    .option('--concurrency <N>', 'requests in flight per registry host (default 16)')
    .option('--timeout <SECONDS>', 'per-request timeout in seconds (default 30)');
}

export function registryOptionsFrom(opts: Record<string, unknown>, log?: (l: string) => void): RegistryOptions {
  const out: RegistryOptions = {};
  const upstreams: Record<string, string> = {};
  for (const v of (opts.upstream as string[] | undefined) ?? []) {
    const eq = v.indexOf('=');
    const host = v.slice(0, eq);
    const url = v.slice(eq + 1);
    if (eq <= 0 || !/^https?:\/\/[^/]+/.test(url)) throw new InputError(`--upstream "${v}": expected HOST=http(s)://HOST[:PORT]`);
    upstreams[host] = url;
  }
  out.upstreams = upstreams;
  if (log) out.log = log;
  return out;
}
