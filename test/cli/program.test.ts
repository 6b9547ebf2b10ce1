/**
 * The program as a shell user or a script drives it: the built binary (npm run build) with its
 * output piped to a reader that stops early (`… | head`), output paths it may not write, and
 * failures under --json (stdout must still parse).
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { BIN } from '../report/cli.js';

const work = mkdtempSync(join(tmpdir(), 'ampere-program-'));
// Readable by the unprivileged user the tests below run as when we are root.
chmodSync(work, 0o755);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A folder of manifests naming 2000 images, so the table is many pipe buffers long. */
function manyImages(): string {
  const dir = mkdtempSync(join(work, 'p-'));
  chmodSync(dir, 0o777);
  mkdirSync(join(dir, 'manifests'));
  const pod = (i: number): string => `apiVersion: v1\nkind: Pod\nmetadata: {name: p${i}}\nspec:\n  containers: [{name: a, image: "example.org/team/app${i}:1.${i}"}]\n`;
  writeFileSync(join(dir, 'manifests', 'pods.yaml'), Array.from({ length: 2000 }, (_, i) => pod(i)).join('---\n'));
  return dir;
}

/** Run the CLI and close one of its outputs after the first chunk, as `| head -1` does; collect the other. */
function runIntoClosedPipe(args: string[], cwd: string, closed: 'stdout' | 'stderr'): Promise<{ code: number | null; other: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let other = '';
    child[closed === 'stdout' ? 'stderr' : 'stdout'].on('data', (b: Buffer) => (other += b.toString()));
    child[closed].once('data', () => child[closed].destroy());
    child.on('close', (code) => resolve({ code, other }));
  });
}

it('a reader that stops early (| head) ends the run quietly: no EPIPE stack trace', async () => {
  const r = await runIntoClosedPipe(['images', '--manifests', 'manifests'], manyImages(), 'stdout');
  expect(r.other).not.toMatch(/EPIPE|^\s+at /m);
  expect(r.code).toBe(0);
});

it('a closed stderr (2>&1 | head) does not turn a finished run into a failure', async () => {
  const dir = readOnlyProject();
  const r = await runIntoClosedPipe(['rewrite', '--manifests', 'manifests', '--out', 'out', '--allow-missing'], dir, 'stderr');
  expect(r.other).toMatch(/^1 file\(s\) changed, 1 reference\(s\) rewritten \(1 in files\), 1999 missing\n$/);
  expect(r.code).toBe(0);
});

/** Run as an unprivileged user when we are root (root writes anywhere). */
function asUser(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const argv = process.getuid?.() === 0 ? ['runuser', '-u', 'nobody', '--', process.execPath, BIN, ...args] : [process.execPath, BIN, ...args];
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function readOnlyProject(): string {
  const dir = manyImages();
  const lock = { registry: '127.0.0.1:5000', images: [{
    source: 'example.org/team/app0:1.0', sourceDigest: `sha256:${'a'.repeat(64)}`,
    target: '127.0.0.1:5000/example.org/team/app0:1.0', digest: `sha256:${'a'.repeat(64)}`, platforms: {},
  }] };
  writeFileSync(join(dir, 'mirror.lock.json'), JSON.stringify(lock));
  mkdirSync(join(dir, 'ro'));
  chmodSync(join(dir, 'ro'), 0o555);
  return dir;
}

it.each([
  [['rewrite', '--manifests', 'manifests', '--out', 'ro/out', '--allow-missing'], 'ro/out'],
  [['rewrite', '--manifests', 'manifests', '--out', 'ro', '--allow-missing'], 'ro/pods.yaml'],
])('%j into a folder it may not write: one line naming the file, exit 2, no temp file left', async (args, named) => {
  const dir = readOnlyProject();
  const r = await asUser(args, dir);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(new RegExp(`^error: \\S*${named.replace('/', '\\/')}\\S*: cannot write \\(EACCES\\)$`, 'm'));
  expect(r.stderr).not.toMatch(/\.tmp|^\s+at /m);
  expect(r.code).toBe(2);
  expect(readdirSync(join(dir, 'ro'))).toEqual([]);
});

it.each([
  [['audit', '--json', '--image', 'Bad/Ref']],
  [['audit', '--format', 'json', '--bogus']],
  [['images', '--json', '--manifests', 'nope']],
  [['mirror', '--json']],
  [['rewrite', '--json', '--manifests', 'manifests', '--out', 'out', '--lock', 'none.json']],
  [['diff', '--json', 'old.json', 'new.json']],
  [['install', '--json', '--dry-run', '--lock', 'none.json']],
])('%j fails with a JSON error on stdout and the same line on stderr, exit 2', async (args) => {
  const r = await asUser(args, mkdtempSync(join(work, 'empty-')));
  expect(r.code).toBe(2);
  const line = r.stderr.trim();
  expect(line.split('\n')).toHaveLength(1);
  expect(JSON.parse(r.stdout)).toEqual({ error: line.replace(/^error: /, '') });
});

it('a failure after the JSON result is printed adds no second document', async () => {
  const dir = manyImages();
  writeFileSync(join(dir, 'mirror.lock.json'), JSON.stringify({ registry: '127.0.0.1:5000', images: [] }));
  const r = await asUser(['rewrite', '--json', '--manifests', 'manifests', '--out', 'out'], dir);
  expect(r.code).toBe(1);
  expect((JSON.parse(r.stdout) as { missing: unknown[] }).missing).toHaveLength(2000);
});

it('Ctrl-C while writing leaves whole files only: no temp file behind, exit 130', async () => {
  // 400 files to rewrite: interrupt at several moments until one lands inside the writing phase.
  const dir = mkdtempSync(join(work, 'int-'));
  mkdirSync(join(dir, 'manifests'));
  const pods = Array.from({ length: 50 }, (_, i) => `apiVersion: v1\nkind: Pod\nmetadata: {name: p${i}}\nspec:\n  containers: [{name: a, image: "busybox:1.36"}]\n`).join('---\n');
  for (let f = 0; f < 400; f++) writeFileSync(join(dir, 'manifests', `f${f}.yaml`), pods);
  writeFileSync(join(dir, 'mirror.lock.json'), JSON.stringify({ registry: '127.0.0.1:5000', images: [{
    source: 'docker.io/library/busybox:1.36', sourceDigest: `sha256:${'a'.repeat(64)}`,
    target: '127.0.0.1:5000/docker.io/library/busybox:1.36', digest: `sha256:${'a'.repeat(64)}`, platforms: {},
  }] }));
  let interruptedWhileWriting = 0;
  for (let attempt = 0; attempt < 40 && interruptedWhileWriting < 3; attempt++) {
    const out = join(dir, `out${attempt}`);
    const child = spawn(process.execPath, [BIN, 'rewrite', '--manifests', 'manifests', '--out', out, '--quiet'], { cwd: dir, stdio: 'ignore' });
    // Interrupt as soon as the first file appears, then a little later each time.
    const delay = attempt % 4;
    const poll = setInterval(() => {
      let written: string[] = [];
      try { written = readdirSync(out); } catch { /* not yet */ }
      if (written.length > 0) {
        clearInterval(poll);
        setTimeout(() => child.kill('SIGINT'), delay);
      }
    }, 1);
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    clearInterval(poll);
    if (code === 0) continue; // finished before the interrupt
    expect(code).toBe(130);
    const written = readdirSync(out);
    expect(written.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    for (const f of written) expect(readFileSync(join(out, f), 'utf8')).toBe(pods.replaceAll('"busybox:1.36"', '"127.0.0.1:5000/docker.io/library/busybox:1.36"'));
    if (written.length < 400) interruptedWhileWriting++;
  }
  expect(interruptedWhileWriting).toBeGreaterThan(0);
}, 300_000);

it.each([
  [['images'], '--stack or --manifests'],
  [['audit'], '--stack, --manifests or --image'],
  [['mirror', '--registry', '127.0.0.1:5000'], '--stack, --manifests or --image'],
])('%j with no source and no images/stack.yaml says what to give, exit 2', async (args, flags) => {
  const r = await asUser(args, mkdtempSync(join(work, 'empty-')));
  expect(r.stderr).toBe(`error: nothing to scan: give ${flags} (images/stack.yaml not found)\n`);
  expect(r.code).toBe(2);
});

it.each([
  [['audit', '--image', 'nginx:1']],
  [['mirror', '--registry', '127.0.0.1:5000', '--image', 'nginx:1']],
])('%j: --concurrency is read once, the same way by every command', async (args) => {
  for (const bad of ['0', '2.5']) {
    const r = await asUser([...args, '--concurrency', bad], mkdtempSync(join(work, 'empty-')));
    expect(r.stderr).toBe(`error: --concurrency "${bad}": expected a positive whole number\n`);
    expect(r.code).toBe(2);
  }
});
