import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type RunningRegistry } from './registry.js';
import { seed } from './seed.js';

describe('test support: seeding a real registry with skopeo', () => {
  let reg: RunningRegistry;
  beforeAll(async () => {
    reg = await startRegistry();
  });
  afterAll(async () => reg?.stop());

  it('pushes an index with attestations whose digest skopeo reads back', async () => {
    const digests = await seed(reg.host, [
      { name: 'library/busybox:1.36', platforms: ['linux/amd64', 'linux/arm64'], attestations: true },
      { name: 'library/plain:1', platforms: ['linux/amd64'], single: true, docker: true },
      { name: 'library/list:1', platforms: ['linux/amd64', 'linux/arm/v7'], docker: true },
    ]);
    const raw = execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/library/busybox:1.36`]);
    const index = JSON.parse(raw.toString());
    expect(index.manifests).toHaveLength(4);
    const digest = execFileSync('skopeo', ['inspect', '--format', '{{.Digest}}', '--tls-verify=false', `docker://${reg.host}/library/busybox:1.36`]).toString().trim();
    expect(digest).toBe(digests.get('library/busybox:1.36'));
    const single = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/library/plain:1`]).toString());
    expect(single.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    const list = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/library/list:1`]).toString());
    expect(list.mediaType).toBe('application/vnd.docker.distribution.manifest.list.v2+json');
  });
});
