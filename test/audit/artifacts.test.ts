import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactUrl, checkArtifacts, createArtifactProbe, mapUpstream } from '../../src/audit/artifacts.js';

describe('artifact URLs', () => {
  it.each([
    ['https://x.org/{arch}/runsc', 'amd64', 'https://x.org/amd64/runsc'],
    ['https://x.org/{arch}/runsc', 'arm64', 'https://x.org/arm64/runsc'],
    ['https://x.org/{uname}/runsc', 'amd64', 'https://x.org/x86_64/runsc'],
    ['https://x.org/{uname}/runsc-{arch}', 'arm64', 'https://x.org/aarch64/runsc-arm64'],
  ] as const)('%s for %s', (template, arch, expected) => {
    expect(artifactUrl(template, arch)).toBe(expected);
  });

  it('maps the origin of an upstream host, keeping path and query', () => {
    expect(mapUpstream('https://storage.example.org/a/b?x=1', { 'storage.example.org': 'http://127.0.0.1:9/' }))
      .toBe('http://127.0.0.1:9/a/b?x=1');
    expect(mapUpstream('https://other.example.org/a', { 'storage.example.org': 'http://127.0.0.1:9' })).toBe('https://other.example.org/a');
  });
});

describe('artifact probe over HTTP', () => {
  let server: Server;
  let base: string;
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.url === '/rel/x86_64/runsc') res.writeHead(200).end();
      else if (req.url === '/moved/aarch64/runsc') res.writeHead(302, { location: '/rel/x86_64/runsc' }).end();
      else if (req.url?.startsWith('/broken/')) res.writeHead(500).end();
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('tells present from absent with HEAD requests through the upstream mapping', async () => {
    const probe = createArtifactProbe({ 'bucket.example.org': base });
    const [report] = await checkArtifacts([{ url: 'https://bucket.example.org/rel/{uname}/runsc' }], probe);
    expect(report).toEqual({ url: 'https://bucket.example.org/rel/{uname}/runsc', arches: { amd64: 'present', arm64: 'absent' } });
    expect(seen).toContain('HEAD /rel/aarch64/runsc');
  });

  it('follows redirects, and says error (not absent) for a 500 or a refused connection', async () => {
    const probe = createArtifactProbe({ 'bucket.example.org': base, 'down.example.org': 'http://127.0.0.1:1' });
    expect(await probe('https://bucket.example.org/moved/aarch64/runsc')).toBe('present');
    expect(await probe('https://bucket.example.org/broken/x')).toBe('error');
    expect(await probe('https://down.example.org/x')).toBe('error');
  });
});
