#!/usr/bin/env node
/**
 * npm run bench:audit — `ampere-images audit` against a loop of skopeo over the same images, in
 * one run on this machine:
 *   - 200 references seeded with skopeo into a local docker-registry: 120 multi-arch OCI indexes
 *     (amd64 + arm64, a third with attestations) and 80 single-arch Docker v2s2 manifests;
 *   - ampere-images audit of the 200 (the built CLI, end to end, node start-up included), and the
 *     same audit run in-process for the client's request count;
 *   - skopeo inspect --raw per reference, plus --config for the single-arch ones (what it takes
 *     skopeo to learn the same platforms);
 *   - peak RSS of the CLI run (GNU time); times are the median of three runs.
 * Needs docker-registry and skopeo (scripts/setup-system.sh). Traffic stays on 127.0.0.1.
 */
import { spawn, spawnSync } from 'node:child_process';
import pLimit from 'p-limit';

const { projectRoot } = await import('../dist/scripts/scripts/demo-world.js');
const { startRegistry } = await import('../dist/scripts/test/support/registry.js');
const { seed } = await import('../dist/scripts/test/support/seed.js');
const { createRegistry } = await import('../dist/registry/client.js');
const { collectTargets } = await import('../dist/audit/collect.js');
const { runAudit } = await import('../dist/audit/run.js');
const { createArtifactProbe } = await import('../dist/audit/artifacts.js');

const MULTI = 120;
const SINGLE = 80;

function benchImages() {
  const multi = Array.from({ length: MULTI }, (_, i) => ({
    name: `bench/multi-${String(i).padStart(3, '0')}:1`,
    platforms: ['linux/amd64', 'linux/arm64'],
    attestations: i % 3 === 0,
    layers: (p) => [{ key: `bench base ${p}`, size: 512, plain: true }],
  }));
  const single = Array.from({ length: SINGLE }, (_, i) => ({
    name: `bench/single-${String(i).padStart(3, '0')}:1`,
    platforms: ['linux/amd64'],
    single: true,
    docker: true,
    layers: (p) => [{ key: `bench base ${p}`, size: 512, plain: true }],
  }));
  return [...multi, ...single];
}

const RUNS = 3;

/** The median of `RUNS` timed runs: the machine may be shared, one run can be unlucky. */
async function median(fn) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await timed(fn));
  runs.sort((a, b) => a.ms - b.ms);
  return runs[Math.floor(RUNS / 2)];
}

function timed(fn) {
  const start = process.hrtime.bigint();
  return Promise.resolve(fn()).then((value) => ({ value, ms: Number(process.hrtime.bigint() - start) / 1e6 }));
}

/** Run a command to completion without blocking this process; resolves with stderr. */
function exec(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b) => { stderr += b; });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(stderr) : reject(new Error(`${cmd} exited ${code}: ${stderr.slice(-2000)}`))));
  });
}

function skopeoLoop(refs, singles) {
  for (const ref of refs) {
    const raw = spawnSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`]);
    if (raw.status !== 0) throw new Error(`skopeo inspect --raw ${ref}: ${raw.stderr}`);
    if (singles.has(ref)) {
      const config = spawnSync('skopeo', ['inspect', '--config', '--tls-verify=false', `docker://${ref}`]);
      if (config.status !== 0) throw new Error(`skopeo inspect --config ${ref}: ${config.stderr}`);
    }
  }
}

const root = projectRoot();

async function main() {
  const registry = await startRegistry({ config: `${root}/test/registry-config.yml` });
  try {
    const images = benchImages();
    const limit = pLimit(3);
    const seeding = await timed(() => Promise.all(images.map((image) => limit(() => seed(registry.host, [image])))));
    console.log(`seeded ${images.length} images (${MULTI} multi-arch, ${SINGLE} single-arch) with skopeo in ${(seeding.ms / 1000).toFixed(1)} s`);
    const refs = images.map((i) => `${registry.host}/${i.name}`);
    const singles = new Set(images.filter((i) => i.single).map((i) => `${registry.host}/${i.name}`));

    const imageArgs = refs.flatMap((r) => ['--image', r]);
    const cli = await median(() => exec('/usr/bin/time', ['-f', 'maxrss_kb=%M', process.execPath, 'dist/cli/index.js', 'audit', '--json', '--quiet', ...imageArgs]));
    const rssKb = Number(/maxrss_kb=(\d+)/.exec(cli.value)?.[1] ?? NaN);

    const client = createRegistry({});
    const lib = await timed(async () => {
      const collection = await collectTargets({ images: refs }, root);
      return runAudit({ registry: client, collection, probe: createArtifactProbe({}) });
    });
    await client.close();
    const report = lib.value;
    const bad = report.images.filter((i) => i.status !== 'ok' || i.arm64 !== !singles.has(i.ref));
    if (bad.length > 0) throw new Error(`audit got ${bad.length} images wrong, e.g. ${JSON.stringify(bad[0])}`);

    const skopeo = await median(() => skopeoLoop(refs, singles));
    const perImage = client.stats.requests / refs.length;
    console.log(`ampere-images audit (CLI, end to end): ${(cli.ms / 1000).toFixed(2)} s (median of ${RUNS}), peak RSS ${(rssKb / 1024).toFixed(0)} MiB`);
    console.log(`ampere-images audit (in-process):     ${(lib.ms / 1000).toFixed(2)} s, ${client.stats.requests} requests = ${perImage.toFixed(2)} per image`);
    console.log(`skopeo inspect loop:                   ${(skopeo.ms / 1000).toFixed(2)} s (median of ${RUNS}; ${refs.length} --raw + ${singles.size} --config)`);
    console.log(`time ratio audit/skopeo: ${(cli.ms / skopeo.ms).toFixed(3)} (target <= 0.2)`);
    console.log(`requests: 1 per multi-arch index, 2 per single-arch image plus 3 probes for a separate arm64 image`);
  } finally {
    await registry.stop();
  }
}

await main();
