/**
 * Preflight checks against the machine: programs present, architecture, swap, mirror reachable.
 * Each returns a line to report or throws a PreflightFailed that says what to fix.
 */
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Runner } from '../build/runner.js';
import type { Check } from './steps.js';

export class PreflightFailed extends Error {
  override name = 'PreflightFailed';
}

/** HTTP status of a GET; rejects when nothing answers. */
export type Probe = (url: string, insecure: boolean) => Promise<number>;

const PROBE_TIMEOUT_MS = 10_000;

/** GET with node:http(s): the one request install makes itself, so no registry client is needed. */
export const httpProbe: Probe = (url, insecure) => new Promise((resolve, reject) => {
  const request = url.startsWith('https:') ? httpsRequest : httpRequest;
  const req = request(url, { method: 'GET', timeout: PROBE_TIMEOUT_MS, rejectUnauthorized: !insecure }, (res) => {
    res.resume();
    resolve(res.statusCode ?? 0);
  });
  req.on('timeout', () => req.destroy(new Error(`no answer within ${PROBE_TIMEOUT_MS / 1000}s`)));
  req.on('error', reject);
  req.end();
});

/** Devices listed after the header line of /proc/swaps. */
export function activeSwaps(procSwaps: string): string[] {
  return procSwaps.split('\n').slice(1).map((l) => l.trim().split(/\s+/)[0] ?? '').filter((d) => d !== '');
}

export interface CheckEnv {
  run: Runner;
  probe: Probe;
}

async function commandCheck(argv: string[], env: CheckEnv): Promise<string> {
  const name = argv[0] ?? '';
  const res = await env.run(argv);
  if (res.code === 127) throw new PreflightFailed(`${name} is not installed (not found on PATH); install kubeadm, kubelet, kubectl and containerd first`);
  if (res.code !== 0) throw new PreflightFailed(`${name} does not run (${argv.join(' ')} exited ${res.code}): ${res.tail.slice(-3).join(' | ')}`);
  return `${name} ${res.tail.find((l) => l.trim() !== '')?.trim() ?? ''}`.trim();
}

async function archCheck(argv: string[], env: CheckEnv): Promise<string> {
  const res = await env.run(argv);
  const arch = res.tail.find((l) => l.trim() !== '')?.trim() ?? 'unknown';
  if (res.code !== 0) throw new PreflightFailed(`cannot tell the architecture (${argv.join(' ')} exited ${res.code})`);
  const arm64 = arch === 'aarch64' || arch === 'arm64';
  return `architecture ${arch}${arm64 ? '' : ' (not arm64: the mirror serves the images of this architecture instead)'}`;
}

async function swapCheck(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new PreflightFailed(`cannot read ${file} to check swap (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const on = activeSwaps(text);
  if (on.length > 0) throw new PreflightFailed(`swap is on (${on.join(', ')}); the kubelet refuses to start with swap: run swapoff -a and remove swap from /etc/fstab`);
  return 'swap is off';
}

async function mirrorCheck(url: string, insecure: boolean, env: CheckEnv): Promise<string> {
  let status: number;
  try {
    status = await env.probe(url, insecure);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new PreflightFailed(`the mirror does not answer at ${url} (${e.code ?? e.message})`);
  }
  // 401 is a registry asking for credentials: it is there, and containerd will authenticate.
  if (status !== 200 && status !== 401) throw new PreflightFailed(`${url} answered HTTP ${status}, not a registry API (expected 200 or 401)`);
  return `mirror answers at ${url} (HTTP ${status})`;
}

export async function runCheck(check: Check, env: CheckEnv): Promise<string> {
  switch (check.type) {
    case 'command': return commandCheck(check.argv, env);
    case 'arch': return archCheck(check.argv, env);
    case 'swap': return swapCheck(check.file);
    case 'mirror': return mirrorCheck(check.url, check.insecure, env);
  }
}
