#!/usr/bin/env node
/**
 * npm run load — the load figures of docs/reliability.md, measured on this machine:
 *   1. audit of 100 and of 1,000 references with --concurrency 4 against a local registry
 *      (10 repositories, 100 tags each: 8 multi-arch, 2 amd64-only so their alternates are probed);
 *      wall time, peak RSS, requests and retries — memory should stay flat as the count grows;
 *   2. mirror of 12 multi-arch images while a fault proxy answers 429 to every third request, in
 *      front of the source and of the target; wall time, peak RSS, retries, and every digest checked
 *      with skopeo against the source (skopeo copy --all of each mirrored tag re-reads every blob).
 * Needs docker-registry and skopeo (scripts/setup-system.sh). Traffic stays on 127.0.0.1.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(root, 'dist', 'cli', 'index.js');
const { startRegistry } = await import('../dist/scripts/test/support/registry.js');
const { seed } = await import('../dist/scripts/test/support/seed.js');
const { startFaultProxy } = await import('../dist/scripts/test/support/fault-proxy.js');

const REPOS = 10;
const AMD64_ONLY = 2;
const TAGS = 100;
const CONCURRENCY = '4';
const MIRROR_IMAGES = 12;
const MiB = 1024 * 1024;
/** The compiled helper looks for its config beside itself; the file stays in test/. */
const REGISTRY = { config: join(root, 'test', 'registry-config.yml') };
const ACCEPT = 'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json';

const log = (line) => process.stderr.write(`load: ${line}\n`);
const mib = (bytes) => `${(bytes / MiB).toFixed(0)} MiB`;
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** Peak RSS of a child: GNU time when installed, else VmHWM polled from /proc (the peak so far). */
function run(args, cwd) {
  const timeFile = join(cwd, 'time.out');
  const gnuTime = existsSync('/usr/bin/time');
  const argv = gnuTime ? ['/usr/bin/time', '-f', '%M', '-o', timeFile, process.execPath, CLI, ...args] : [process.execPath, CLI, ...args];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let hwmKiB = 0;
    const poll = gnuTime ? undefined : setInterval(() => {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) hwmKiB = Math.max(hwmKiB, Number(m[1]));
    }, 20);
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      const ms = performance.now() - started;
      const kib = gnuTime ? Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop()) : hwmKiB;
      resolve({ code, stdout, stderr, ms, rss: kib * 1024, by: gnuTime ? 'GNU time' : '/proc VmHWM' });
    });
  });
}

/** --verbose lines: one per request ("GET url -> 200 (3 ms)") and one per retry ("retry 1/4 of …"). */
function counts(stderr) {
  const lines = stderr.split('\n');
  return { requests: lines.filter((l) => / -> \d{3} \(\d+ ms\)$/.test(l)).length, retries: lines.filter((l) => l.startsWith('retry ')).length };
}

/** One image per repository, then the same manifest PUT under TAGS tags (plain fetch, not our client). */
async function seedAuditSource(reg) {
  const images = Array.from({ length: REPOS }, (_, i) => ({
    name: `load/app-${String(i).padStart(2, '0')}:seed`,
    platforms: i < REPOS - AMD64_ONLY ? ['linux/amd64', 'linux/arm64'] : ['linux/amd64'],
    single: i >= REPOS - AMD64_ONLY,
  }));
  await seed(reg.host, images);
  const refs = [];
  for (const { name } of images) {
    const repo = name.split(':')[0];
    const res = await fetch(`${reg.url}/v2/${repo}/manifests/seed`, { headers: { accept: ACCEPT } });
    const type = res.headers.get('content-type');
    const body = Buffer.from(await res.arrayBuffer());
    for (let t = 0; t < TAGS; t++) {
      const tag = `t-${String(t).padStart(3, '0')}`;
      const put = await fetch(`${reg.url}/v2/${repo}/manifests/${tag}`, { method: 'PUT', headers: { 'content-type': type }, body });
      if (put.status !== 201) throw new Error(`PUT ${repo}:${tag}: HTTP ${put.status}`);
      refs.push(`docker.io/${repo}:${tag}`);
    }
  }
  return refs;
}

async function auditLoad(work) {
  const reg = await startRegistry(REGISTRY);
  try {
    log(`seeding ${REPOS} repositories × ${TAGS} tags`);
    const refs = await seedAuditSource(reg);
    const rows = [];
    for (const n of [100, refs.length]) {
      // Every tenth reference, so the smaller run spans all repositories too.
      const picked = n === refs.length ? refs : refs.filter((_, i) => i % (refs.length / n) === 0);
      const args = ['audit', '--image', ...picked, '--json', '--verbose', '--concurrency', CONCURRENCY, '--upstream', `docker.io=${reg.url}`];
      log(`ampere-images audit --image <${picked.length} refs> --json --verbose --concurrency ${CONCURRENCY} --upstream docker.io=${reg.url}`);
      const r = await run(args, work);
      if (r.code !== 0) throw new Error(`audit exited ${r.code}: ${r.stderr.slice(-2000)}`);
      const images = JSON.parse(r.stdout).images;
      const ok = images.filter((i) => i.status === 'ok').length;
      if (ok !== picked.length) throw new Error(`audit: ${ok} of ${picked.length} images ok`);
      rows.push({ refs: picked.length, ...r, ...counts(r.stderr), arm64: images.filter((i) => i.arm64).length });
    }
    return rows;
  } finally {
    await reg.stop();
  }
}

/** Multi-arch images of four layers per platform: two shared by all, two of their own. */
function mirrorImages() {
  return Array.from({ length: MIRROR_IMAGES }, (_, i) => ({
    name: `load/svc-${String(i).padStart(2, '0')}:1`,
    platforms: ['linux/amd64', 'linux/arm64'],
    layers: (p) => [
      { key: `load base ${p}`, size: 4 * MiB, plain: true }, { key: `load runtime ${p}`, size: 2 * MiB, plain: true },
      { key: `load svc ${i} ${p}`, size: 1 * MiB, plain: true }, { key: `load svc config ${i} ${p}`, size: 64 * 1024 },
    ],
  }));
}

/** Digests skopeo reads from source and target agree, and skopeo copies every target tag whole. */
async function verifyMirror(source, target, names, work) {
  for (const name of names) {
    const digestOf = async (ref) => (await exec('skopeo', ['inspect', '--tls-verify=false', '--format', '{{.Digest}}', `docker://${ref}`])).stdout.trim();
    const want = await digestOf(`${source.host}/${name}`);
    const got = await digestOf(`${target.host}/docker.io/${name}`);
    if (want !== got) throw new Error(`${name}: target ${got}, source ${want}`);
    const dir = join(work, 'verify', name.replace(/[/:]/g, '_'));
    mkdirSync(dir, { recursive: true });
    await exec('skopeo', ['copy', '--all', '--quiet', '--src-tls-verify=false', `docker://${target.host}/docker.io/${name}`, `oci:${dir}:x`], { maxBuffer: 1 << 24 });
  }
}

async function mirrorLoad(work) {
  const source = await startRegistry(REGISTRY);
  const target = await startRegistry(REGISTRY);
  const sourceProxy = await startFaultProxy(source.url);
  const targetProxy = await startFaultProxy(target.url);
  try {
    const images = mirrorImages();
    log(`seeding ${images.length} multi-arch images (7 MiB per platform, 6 MiB of it shared)`);
    await seed(source.host, images);
    for (const p of [sourceProxy, targetProxy]) p.fault({ path: /^\/v2\/.+/, every: 3, fault: { status: 429 } });
    const refs = images.map((i) => `docker.io/${i.name}`);
    const args = ['mirror', '--registry', targetProxy.host, '--image', ...refs, '--verbose', '--concurrency', CONCURRENCY, '--upstream', `docker.io=${sourceProxy.url}`];
    log(`ampere-images mirror --registry ${targetProxy.host} --image <${refs.length} refs> --verbose --concurrency ${CONCURRENCY} --upstream docker.io=${sourceProxy.url}`);
    const r = await run(args, work);
    if (r.code !== 0) throw new Error(`mirror exited ${r.code}: ${r.stderr.slice(-2000)}`);
    const faults = (p) => p.requests.filter((q) => q.fault).length;
    const injected = { source: faults(sourceProxy), target: faults(targetProxy) };
    const proxied = { source: sourceProxy.requests.length, target: targetProxy.requests.length };
    log('verifying every mirrored tag with skopeo');
    await verifyMirror(source, target, images.map((i) => i.name), work);
    return { ...r, ...counts(r.stderr), injected, proxied, images: images.length };
  } finally {
    await Promise.all([sourceProxy.stop(), targetProxy.stop()]);
    await Promise.all([source.stop(), target.stop()]);
  }
}

function report(audits, mirror) {
  const out = [
    '| run | references | wall time | peak RSS | requests | retries |',
    '| --- | --- | --- | --- | --- | --- |',
    ...audits.map((a) => `| audit --concurrency ${CONCURRENCY} | ${a.refs} | ${secs(a.ms)} | ${mib(a.rss)} | ${a.requests} | ${a.retries} |`),
    `| mirror --concurrency ${CONCURRENCY}, 429 on every 3rd request | ${mirror.images} images | ${secs(mirror.ms)} | ${mib(mirror.rss)} | ${mirror.requests} | ${mirror.retries} |`,
    '',
    `Peak RSS measured with ${audits[0].by}. Audit memory, 1,000 vs 100 references: ×${(audits[1].rss / audits[0].rss).toFixed(2)}.`,
    `Mirror: 429 answered to ${mirror.injected.source} of ${mirror.proxied.source} source requests and ${mirror.injected.target} of ${mirror.proxied.target} target requests; ` +
      `all ${mirror.images} tags verified with skopeo (same digest as the source; copy --all re-reads every blob).`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

async function main() {
  for (const tool of ['docker-registry', 'skopeo']) {
    if ((await exec('sh', ['-c', `command -v ${tool}`]).catch(() => undefined)) === undefined) {
      log(`missing ${tool}: run sudo bash scripts/setup-system.sh`);
      process.exit(1);
    }
  }
  const work = mkdtempSync(join(tmpdir(), 'ampere-load-'));
  try {
    const audits = await auditLoad(work);
    const mirror = await mirrorLoad(work);
    report(audits, mirror);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
