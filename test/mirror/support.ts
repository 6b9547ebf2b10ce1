/** Helpers shared by the mirror tests: skopeo read-backs (independent of our client) and a run with defaults. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createRegistry, type RegistryClient } from '../../src/registry/client.js';
import type { Lock } from '../../src/lock.js';
import type { SourceImage } from '../../src/mirror/plan.js';
import { createProgress } from '../../src/mirror/progress.js';
import { runMirror, type MirrorRun, type MirrorSettings } from '../../src/mirror/run.js';

const run = promisify(execFile);

/** `skopeo inspect --raw` of a plain-HTTP reference: the exact manifest bytes as JSON. */
export async function inspectRaw(ref: string): Promise<{ json: any; text: string }> {
  const { stdout } = await run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`], { maxBuffer: 1 << 24 });
  return { json: JSON.parse(stdout), text: stdout };
}

/** `skopeo inspect --config` of one platform. */
export async function inspectConfig(ref: string, arch?: string): Promise<any> {
  const args = ['inspect', '--config', '--tls-verify=false', `docker://${ref}`];
  if (arch) args.unshift('--override-arch', arch);
  const { stdout } = await run('skopeo', args, { maxBuffer: 1 << 24 });
  return JSON.parse(stdout);
}

export async function skopeoDigest(ref: string): Promise<string> {
  const { stdout } = await run('skopeo', ['inspect', '--tls-verify=false', '--format', '{{.Digest}}', `docker://${ref}`]);
  return stdout.trim();
}

/** `skopeo copy --all` to an OCI layout: re-reads and verifies every blob of every platform. */
export async function copyAllToOci(ref: string, dir: string): Promise<void> {
  await run('skopeo', ['copy', '--all', '--quiet', '--src-tls-verify=false', `docker://${ref}`, `oci:${dir}:x`], { maxBuffer: 1 << 24 });
}

/** A client with quick retries, so fault tests stay fast. */
export function client(upstreams: Record<string, string> = {}): RegistryClient {
  return createRegistry({ upstreams, backoff: { baseMs: 10, maxMs: 200 } });
}

export async function mirror(
  registry: RegistryClient, target: string, sources: SourceImage[], extra: Partial<MirrorSettings> = {},
): Promise<MirrorRun> {
  return runMirror(registry, sources, {
    registry: target,
    build: true,
    dryRun: false,
    imageConcurrency: 4,
    blobConcurrency: 8,
    buildSettings: { stackRoot: process.cwd(), plainHttp: true },
    progress: createProgress({ interactive: false, quiet: true, write: () => undefined }),
    ...extra,
  });
}

export function lockText(lock: Lock): string {
  return JSON.stringify(lock, null, 2);
}
