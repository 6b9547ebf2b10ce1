#!/usr/bin/env node
// `npm run demo`: audit the 2020 reference stack (images/stack-2020.yaml) against local
// registries that stand in for the 2020 public ones, print the support table, refresh the
// README's generated table and matrix/support.json (idempotent), then stop the registries.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

const TOOLS = { 'docker-registry': 'docker-registry', skopeo: 'skopeo' };

function has(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Install the Debian packages when we may (root), else say exactly what is missing. */
function ensureTools(root) {
  const missing = Object.keys(TOOLS).filter((c) => !has(c));
  if (missing.length === 0) return;
  const packages = missing.map((c) => TOOLS[c]);
  if (process.getuid?.() !== 0) {
    console.error(`demo: missing ${missing.join(', ')}; install with: sudo apt-get install -y ${packages.join(' ')}`);
    console.error('demo: or run: sudo bash scripts/setup-system.sh');
    process.exit(1);
  }
  console.error(`demo: installing ${packages.join(' ')} (scripts/setup-system.sh)`);
  const setup = spawnSync('bash', [join(root, 'scripts', 'setup-system.sh')], { stdio: 'inherit' });
  if (setup.status !== 0) process.exit(setup.status ?? 1);
}

async function main() {
  const { startDemoWorld, projectRoot } = await import('../dist/scripts/scripts/demo-world.js');
  const root = projectRoot();
  ensureTools(root);
  console.error('demo: starting registries for docker.io, quay.io, k8s.gcr.io, gcr.io, docker.elastic.co and a release bucket');
  const world = await startDemoWorld((line) => console.error(`demo:   ${line}`));
  let status = 1;
  const stopOnSignal = () => world.stop().finally(() => process.exit(130));
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    const args = ['audit', '--stack', 'images/stack-2020.yaml', ...world.upstreamArgs, '--update-readme', 'README.md'];
    console.error(`demo: ampere-images ${args.join(' ')}`);
    // Not spawnSync: the release-bucket stand-in is served from this process and must keep answering.
    const audit = spawn(process.execPath, [join(root, 'dist', 'cli', 'index.js'), ...args], { cwd: root, stdio: 'inherit' });
    status = await new Promise((resolve) => audit.on('exit', (code) => resolve(code ?? 1)));
  } finally {
    await world.stop();
    console.error('demo: registries stopped');
  }
  process.exit(status);
}

await main();
