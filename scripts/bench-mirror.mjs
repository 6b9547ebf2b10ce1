#!/usr/bin/env node
/**
 * npm run bench:mirror — how fast `ampere-images mirror` moves a stack, against skopeo and against
 * the limit, in one run on this machine:
 *   - 20 multi-arch images (linux/amd64 + linux/arm64, ~300 MiB of plain tar layers, two base
 *     layers per platform shared by every image) seeded into a source registry with skopeo;
 *   - mirror cold into a fresh registry, then warm (same registry, with the lock);
 *   - `skopeo sync --all --src docker --dest docker` of the same images into another fresh registry
 *     (cold, then warm);
 *   - the limit: every blob streamed source -> a third fresh registry by a bare keep-alive undici
 *     client (LIMIT_CONNECTIONS connections per registry), no manifests, no checks;
 *   - peak RSS of the mirror (GNU time), and of a mirror of one image with a 1 GiB layer.
 * Each comparison runs BENCH_TRIALS times (default 2), interleaved, into fresh registries; the
 * fastest of each kind is reported, since the machine is shared and its load drifts.
 * Needs docker-registry and skopeo (scripts/setup-system.sh). Traffic stays on 127.0.0.1.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import { Pool } from 'undici';

const root = fileURLToPath(new URL('..', import.meta.url));
const { startRegistry } = await import('../dist/scripts/test/support/registry.js');
const { seed } = await import('../dist/scripts/test/support/seed.js');

const IMAGES = 20;
const MiB = 1024 * 1024;
const LIMIT_CONNECTIONS = 4;
const PLATFORMS = ['linux/amd64', 'linux/arm64'];
const HUGE = 1024 * MiB;
const TRIALS = Number(process.env.BENCH_TRIALS ?? 2);

/** Two shared base layers per platform (40 + 30 MiB) and a 4 MiB app layer per image and platform. */
function benchImages() {
  return Array.from({ length: IMAGES }, (_, i) => ({
    name: `bench/app-${String(i).padStart(2, '0')}:1`,
    platforms: PLATFORMS,
    layers: (p) => [
      { key: `bench base os ${p}`, size: 40 * MiB, plain: true },
      { key: `bench base runtime ${p}`, size: 30 * MiB, plain: true },
      { key: `bench app ${i} ${p}`, size: 4 * MiB, plain: true },
    ],
  }));
}

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => { stdout += b; });
    child.stderr.on('data', (b) => { stderr = (stderr + b).slice(-10_000); });
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const mib = (n) => `${(n / MiB).toFixed(1)} MiB`;
const secs = (ms) => `${(ms / 1000).toFixed(2)} s`;

/**
 * Run a command under GNU time: wall time (ms) and peak RSS (bytes). Asynchronous on purpose: the
 * registries are children of this process and block when nobody drains their stderr.
 */
async function timed(argv) {
  const dir = mkdtempSync(join(tmpdir(), 'ampere-bench-time-'));
  const out = join(dir, 'time');
  try {
    const started = process.hrtime.bigint();
    const r = await run('/usr/bin/time', ['-f', '%M', '-o', out, ...argv]);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (r.status !== 0) throw new Error(`${argv.slice(0, 3).join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
    const rssKiB = Number(readFileSync(out, 'utf8').trim().split('\n').pop());
    return { ms, rss: rssKiB * 1024, stdout: r.stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function mirrorRun(target, upstream, refs, lock) {
  const argv = [process.execPath, join(root, 'dist/cli/index.js'), 'mirror', '--registry', target.host,
    '--upstream', `docker.io=${upstream.url}`, '--lock', lock, '--json', '--quiet', '--image', ...refs];
  const r = await timed(argv);
  const doc = JSON.parse(r.stdout);
  const failed = doc.images.filter((i) => i.result === 'failed');
  if (failed.length) throw new Error(`mirror failed: ${failed.map((f) => `${f.source}: ${f.error}`).join('; ')}`);
  return { ...r, summary: doc.summary };
}

async function skopeoSync(source, target, names) {
  let ms = 0;
  let rss = 0;
  for (const name of names) {
    const repo = name.split(':')[0];
    const r = await timed(['skopeo', 'sync', '--all', '--preserve-digests', '--src', 'docker', '--dest', 'docker',
      '--src-tls-verify=false', '--dest-tls-verify=false', `${source.host}/${repo}`, `${target.host}/docker.io/bench`]);
    ms += r.ms;
    rss = Math.max(rss, r.rss);
  }
  return { ms, rss };
}

/** Every distinct blob of the images, read from the source's manifests. */
async function blobsOf(source, names) {
  const accept = 'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json';
  const get = async (repo, ref) => (await fetch(`${source.url}/v2/${repo}/manifests/${ref}`, { headers: { accept } })).json();
  const blobs = new Map();
  for (const name of names) {
    const [repo, tag] = name.split(':');
    const index = await get(repo, tag);
    for (const child of index.manifests) {
      const m = await get(repo, child.digest);
      for (const d of [m.config, ...m.layers]) if (!blobs.has(d.digest)) blobs.set(d.digest, { repo, ...d });
    }
  }
  return [...blobs.values()];
}

/** The limit: GET from the source, POST + PUT into the target, keep-alive pools, nothing else. */
async function limitRun(source, target, blobs) {
  const from = new Pool(source.url, { connections: LIMIT_CONNECTIONS });
  const to = new Pool(target.url, { connections: LIMIT_CONNECTIONS });
  const limit = pLimit(LIMIT_CONNECTIONS);
  const started = process.hrtime.bigint();
  await Promise.all(blobs.map((b) => limit(async () => {
    const repo = `docker.io/${b.repo}`;
    const post = await to.request({ method: 'POST', path: `/v2/${repo}/blobs/uploads/` });
    await post.body.dump();
    const location = new URL(String(post.headers.location), target.url);
    location.searchParams.set('digest', b.digest);
    const get = await from.request({ method: 'GET', path: `/v2/${b.repo}/blobs/${b.digest}` });
    const put = await to.request({
      method: 'PUT', path: `${location.pathname}${location.search}`, body: get.body,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(b.size) },
    });
    await put.body.dump();
    if (put.statusCode !== 201) throw new Error(`limit PUT ${b.digest}: ${put.statusCode}`);
  })));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  await Promise.all([from.close(), to.close()]);
  return { ms };
}

async function main() {
  const registries = [];
  // The compiled helper sits in dist/: point it at the config file kept in test/.
  const config = join(root, 'test', 'registry-config.yml');
  const fresh = async () => {
    const r = await startRegistry({ config });
    registries.push(r);
    return r;
  };
  const stopAllBut = async (keep) => {
    const others = registries.splice(0).filter((r) => r !== keep);
    registries.push(keep);
    await Promise.all(others.map((r) => r.stop()));
  };
  const work = mkdtempSync(join(tmpdir(), 'ampere-bench-mirror-'));
  try {
    const source = await fresh();
    const images = benchImages();
    const names = images.map((i) => i.name);
    const refs = names.map((n) => `docker.io/${n}`);
    let t = Date.now();
    await seed(source.host, images);
    const blobs = await blobsOf(source, names);
    const total = blobs.reduce((n, b) => n + b.size, 0);
    console.log(`seeded ${IMAGES} images x ${PLATFORMS.length} platforms: ${blobs.length} distinct blobs, ${mib(total)} (${secs(Date.now() - t)})`);

    // Interleaved trials into fresh registries; the best of each kind is kept (the machine is shared).
    const best = {};
    const keep = (kind, r) => {
      if (!best[kind] || r.ms < best[kind].ms) best[kind] = r;
    };
    for (let trial = 1; trial <= TRIALS; trial++) {
      const mirrorTarget = await fresh();
      const lock = join(work, `mirror-${trial}.lock.json`);
      keep('cold', await mirrorRun(mirrorTarget, source, refs, lock));
      keep('warm', await mirrorRun(mirrorTarget, source, refs, lock));
      const skopeoTarget = await fresh();
      keep('skopeoCold', await skopeoSync(source, skopeoTarget, names));
      keep('skopeoWarm', await skopeoSync(source, skopeoTarget, names));
      keep('limit', await limitRun(source, await fresh(), blobs));
      console.log(`trial ${trial}/${TRIALS} done`);
      await stopAllBut(source);
    }
    const { cold, warm, skopeoCold, skopeoWarm, limit } = best;

    t = Date.now();
    await seed(source.host, [{ name: 'bench/huge:1', platforms: ['linux/amd64'], single: true, layers: () => [{ key: 'bench huge', size: HUGE, plain: true }] }]);
    console.log(`seeded one image with a 1 GiB layer (${secs(Date.now() - t)})`);
    const huge = await mirrorRun(await fresh(), source, ['docker.io/bench/huge:1'], join(work, 'huge.lock.json'));

    const rows = [
      ['mirror cold', cold.ms, cold.rss, cold.summary.blobs.bytes],
      ['mirror warm', warm.ms, warm.rss, warm.summary.blobs.bytes],
      ['skopeo sync cold', skopeoCold.ms, skopeoCold.rss, total],
      ['skopeo sync warm', skopeoWarm.ms, skopeoWarm.rss, 0],
      [`limit (undici, ${LIMIT_CONNECTIONS} conns)`, limit.ms, 0, total],
      ['mirror 1 GiB layer', huge.ms, huge.rss, huge.summary.blobs.bytes],
    ];
    console.log('\nrun                      wall       peak RSS    bytes moved');
    for (const [name, ms, rss, bytes] of rows) {
      console.log(`${name.padEnd(24)} ${secs(ms).padStart(9)}  ${(rss ? mib(rss) : '-').padStart(10)}  ${mib(bytes).padStart(12)}`);
    }
    const ratio = (a, b) => (a / b).toFixed(2);
    console.log(`\ncold / skopeo cold: ${ratio(cold.ms, skopeoCold.ms)}  (aim <= 0.5)`);
    console.log(`cold / limit:       ${ratio(cold.ms, limit.ms)}  (aim <= 1.5)`);
    console.log(`warm / skopeo cold: ${ratio(warm.ms, skopeoCold.ms)}  (aim <= 0.2)`);
    console.log(`warm / skopeo warm: ${ratio(warm.ms, skopeoWarm.ms)}`);
    console.log(`peak RSS, 1 GiB layer vs ${mib(total)} stack: ${mib(huge.rss)} vs ${mib(cold.rss)} (flat: independent of layer size)`);
    console.log(`mirror cold blobs: ${JSON.stringify(cold.summary.blobs)}; warm: ${JSON.stringify(warm.summary.blobs)}`);
  } finally {
    await Promise.all(registries.map((r) => r.stop()));
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
