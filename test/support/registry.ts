/**
 * Starts real distribution registries (Debian's docker-registry) on 127.0.0.1 for tests,
 * each with its own storage folder, using the config file kept in test/registry-config.yml.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REGISTRY_CONFIG = join(dirname(fileURLToPath(import.meta.url)), '..', 'registry-config.yml');

export interface RunningRegistry {
  /** "127.0.0.1:PORT" */
  host: string;
  /** "http://127.0.0.1:PORT" */
  url: string;
  root: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}): ${log()}`);
    try {
      const res = await fetch(`${url}/v2/`);
      // 401: a registry with auth configured is up too.
      if (res.status === 200 || res.status === 401) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`docker-registry did not answer on ${url}: ${log()}`);
}

export interface RegistryStartOptions {
  /** Another config file (e.g. one with `auth:`); default REGISTRY_CONFIG. */
  config?: string;
  /** Extra environment, e.g. REGISTRY_AUTH_HTPASSWD_PATH. */
  env?: Record<string, string>;
}

/** Start one registry; call stop() in afterAll. */
export async function startRegistry(opts: RegistryStartOptions = {}): Promise<RunningRegistry> {
  const port = await freePort();
  const root = mkdtempSync(join(tmpdir(), 'ampere-reg-'));
  const host = `127.0.0.1:${port}`;
  // The registry logs to a file, not a pipe: a test that blocks its event loop (spawnSync) would
  // otherwise stop draining the pipe, and the registry would freeze on its next log line.
  const logFile = join(mkdtempSync(join(tmpdir(), 'ampere-reg-log-')), 'registry.log');
  const logFd = openSync(logFile, 'a');
  const child = spawn('docker-registry', ['serve', opts.config ?? REGISTRY_CONFIG], {
    env: {
      ...process.env,
      ...opts.env,
      REGISTRY_HTTP_ADDR: host,
      REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: root,
      OTEL_TRACES_EXPORTER: 'none',
    },
    stdio: ['ignore', 'ignore', logFd],
  });
  closeSync(logFd);
  const url = `http://${host}`;
  await waitReady(url, child, () => readFileSync(logFile, 'utf8').slice(-4000));
  return {
    host,
    url,
    root,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(root, { recursive: true, force: true });
      rmSync(dirname(logFile), { recursive: true, force: true });
    },
  };
}

/** Registries a suite starts as it goes and stops all at once in afterAll. */
export function registryFleet(): { start(opts?: RegistryStartOptions): Promise<RunningRegistry>; stopAll(): Promise<void> } {
  const running: RunningRegistry[] = [];
  return {
    async start(opts) {
      const reg = await startRegistry(opts);
      running.push(reg);
      return reg;
    },
    async stopAll() {
      await Promise.all(running.splice(0).map((r) => r.stop()));
    },
  };
}
