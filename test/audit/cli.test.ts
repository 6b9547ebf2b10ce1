/**
 * `ampere-images audit` as users run it: the built binary in temporary folders, checking exit
 * code, stdout, stderr and the files it wrote.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { seed } from '../support/seed.js';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'index.js');
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'stacks');

interface Result { code: number; stdout: string; stderr: string }
async function cli(args: string[], cwd: string): Promise<Result> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, AMPERE_DEBUG: '' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'ampere-audit-cli-'));
}

const noTrace = (text: string): void => expect(text).not.toMatch(/^\s+at /m);

describe('audit: bad input exits 2 with one line', () => {
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  });

  const bad = readdirSync(join(FIXTURES, 'bad')).filter((f) => f.endsWith('.yaml')).sort();
  it.each(bad)('stack bad/%s', async (name) => {
    const dir = tempDir();
    cpSync(join(FIXTURES, 'bad', name), join(dir, 'stack.yaml'));
    const r = await cli(['audit', '--stack', 'stack.yaml'], dir);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    noTrace(r.stderr);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: stack\.yaml:(\d+:)? /);
  });

  it.each([
    [['audit', '--image', 'Team/App'], 'error: --image: invalid image reference "Team/App": repository name must be lowercase'],
    [['audit', '--image', 'nginx', '--format', 'xml'], 'error: --format "xml": expected one of table, json, markdown, html'],
    [['audit', '--image', 'nginx', '--json', '--format', 'table'], 'error: --json conflicts with --format table'],
    [['audit', '--image', 'nginx', '--concurrency', '0'], 'error: --concurrency "0": expected a positive whole number'],
    [['audit', '--image', 'nginx', '--upstream', 'docker.io'], 'error: --upstream "docker.io": expected HOST=http(s)://HOST[:PORT]'],
    [['audit'], 'error: nothing to scan: give --stack, --manifests or --image (images/stack.yaml not found)'],
    [['audit', '--stack', 'missing.yaml'], 'error: missing.yaml: cannot read stack file (ENOENT)'],
  ])('%j', async (args, message) => {
    const r = await cli(args, tempDir());
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd()).toBe(message);
  });

  it('an unknown flag is named on the first line', async () => {
    const r = await cli(['audit', '--bogus'], tempDir());
    expect(r.code).toBe(2);
    noTrace(r.stderr);
    expect(r.stderr.split('\n')[0]).toBe("error: unknown option '--bogus'");
  });

  it('refuses a README without markers before contacting any registry, leaving it untouched', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'README.md'), '# no markers\n');
    // Port 1 refuses connections: reaching it would show up as an image error, not exit 2.
    const r = await cli(['audit', '--image', 'nginx:1', '--upstream', 'docker.io=http://127.0.0.1:1', '--update-readme', 'README.md'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd()).toBe('error: README.md: missing marker <!-- ampere-images:matrix:start --> (on a line of its own)');
    expect(r.stdout).toBe('');
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('# no markers\n');
    expect(existsSync(join(dir, 'matrix'))).toBe(false);
  });
});

describe('audit against a real registry', () => {
  let reg: RunningRegistry;
  let dir: string;
  let upstream: string[];
  beforeAll(async () => {
    reg = await startRegistry();
    await seed(reg.host, [
      { name: 'example/web:1.0', platforms: ['linux/amd64'], single: true },
      { name: 'example/web-arm64:1.0', platforms: ['linux/arm64'], single: true },
      { name: 'library/busybox:1.36', platforms: ['linux/amd64', 'linux/arm64'], attestations: true },
      { name: 'example/worker:2', platforms: ['linux/amd64', 'linux/s390x'] },
    ]);
    dir = tempDir();
    cpSync(join(FIXTURES, 'good'), dir, { recursive: true });
    upstream = ['--upstream', `docker.io=${reg.url}`, '--upstream', `quay.io=${reg.url}`, '--upstream', 'storage.example.org=http://127.0.0.1:1'];
  });
  afterAll(async () => reg?.stop());

  it('--json follows the contract, merging declared and discovered images', async () => {
    const r = await cli(['audit', '--stack', 'stack.yaml', '--json', ...upstream], dir);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    const byRef = new Map<string, Record<string, unknown>>(doc.images.map((i: { ref: string }) => [i.ref, i]));
    expect([...byRef.keys()].sort()).toEqual([
      'docker.io/example/worker:2', 'docker.io/library/busybox:1.36', 'quay.io/cephcsi/cephcsi:v3.9.0', 'quay.io/example/web:1.0',
    ]);
    expect(byRef.get('quay.io/example/web:1.0')).toMatchObject({
      platforms: ['linux/amd64'], arm64: false, multiArch: false, status: 'ok', error: null,
      arm64Alternative: 'docker.io/example/web-arm64:1.0', components: ['web'],
    });
    expect((byRef.get('quay.io/example/web:1.0')!.locations as string[]).some((l) => l.startsWith('manifests/web/web.yaml: Deployment shop/web'))).toBe(true);
    expect(byRef.get('docker.io/library/busybox:1.36')).toMatchObject({ arm64: true, multiArch: true, platforms: ['linux/amd64', 'linux/arm64'] });
    expect(byRef.get('quay.io/cephcsi/cephcsi:v3.9.0')).toMatchObject({ status: 'not-found', components: ['storage'] });
    expect(doc.components).toEqual([
      { name: 'web', images: ['docker.io/example/worker:2', 'docker.io/library/busybox:1.36', 'quay.io/example/web:1.0'], arm64: 'partial', multiArch: 'partial', build: 'yes' },
      { name: 'storage', images: ['quay.io/cephcsi/cephcsi:v3.9.0'], arm64: 'no', multiArch: 'no', build: 'unknown' },
      { name: 'sandbox', images: [], arm64: 'no', multiArch: 'no', build: 'yes',
        artifacts: [{ url: 'https://storage.example.org/releases/{uname}/runsc', arches: { amd64: 'error', arm64: 'error' } }] },
    ]);
  });

  it('--strict exits 1 and names each finding; --output writes the file instead of stdout', async () => {
    const r = await cli(['audit', '--stack', 'stack.yaml', '--strict', '--format', 'markdown', '--output', 'out/audit.md', ...upstream], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('strict: docker.io/example/worker:2: no linux/arm64');
    expect(r.stderr).toContain('strict: quay.io/cephcsi/cephcsi:v3.9.0: not-found');
    expect(r.stderr).not.toContain('busybox');
    expect(r.stderr.trimEnd().split('\n').pop()).toBe('2 finding(s) under --strict');
    expect(readFileSync(join(dir, 'out', 'audit.md'), 'utf8')).toMatch(/^\| component \| container image \(name\) \|/);
  });

  it('--strict passes when every image has arm64 or an alternate', async () => {
    const r = await cli(['audit', '--image', 'quay.io/example/web:1.0', '--image', 'busybox:1.36', '--strict', ...upstream], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('via quay.io/example/web-arm64:1.0');
  });

  it('--format html renders the page through the html module', async () => {
    const r = await cli(['audit', '--image', 'busybox:1.36', '--format', 'html', ...upstream], dir);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('<!doctype html>')).toBe(true);
    expect(r.stdout).toContain('docker.io/library/busybox:1.36');
  });

  it('--manifests scans folders without a stack', async () => {
    const r = await cli(['audit', '--manifests', 'manifests', '--json', ...upstream], dir);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.images.map((i: { ref: string }) => i.ref)).toEqual(['docker.io/library/busybox:1.36', 'quay.io/example/web:1.0']);
    expect(doc.components).toEqual([]);
    expect(doc.rows.map((row: { component: string }) => row.component)).toEqual(['busybox:1.36', 'quay.io/example/web:1.0']);
  });
});
