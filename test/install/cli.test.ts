/** The built program (dist/, from `npm run build`) run the way a user runs it, in temp folders. */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { makeFakeTools } from './fake-tools.js';
import { copyProject, FIXTURE_PROJECT } from './project.js';

const BIN = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'index.js');
const EXPECTED = join(FIXTURE_PROJECT, '..', 'expected');
const NODE_ARGS = ['--root', 'node', '--kubeconfig', 'node/kubeconfig'];

interface CliResult { code: number; stdout: string; stderr: string }

function cli(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build first`);
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'install', ...args], { cwd, env: { ...env, AMPERE_DEBUG: '' } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** The expected file, or (UPDATE_FIXTURES=1) write it: review the diff before committing. */
function golden(name: string, actual: string): string {
  const file = join(EXPECTED, name);
  if (process.env.UPDATE_FIXTURES === '1') {
    mkdirSync(EXPECTED, { recursive: true });
    writeFileSync(file, actual);
  }
  return readFileSync(file, 'utf8');
}

let dir: string;
beforeEach(() => {
  dir = copyProject();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('install --dry-run', () => {
  it('prints every file and command in order, as the expected plan, and touches nothing', async () => {
    const r = await cli(['--dry-run', ...NODE_ARGS], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const text = r.stdout.replaceAll(dir, '<project>');
    expect(text).toBe(golden('dry-run.txt', text));
    expect(readdirSync(dir).sort()).toEqual(['images', 'manifests', 'mirror.lock.json']);
  });

  it('--json gives the same steps as data', async () => {
    const text = await cli(['--dry-run', ...NODE_ARGS], dir);
    const r = await cli(['--dry-run', '--json', ...NODE_ARGS], dir);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout) as { dryRun: boolean; steps: { n: number; id: string; kind: string; path?: string; content?: string; argv?: string[] }[] };
    expect(plan.dryRun).toBe(true);
    expect(plan.steps.length).toBe(Number(/install plan: (\d+) steps/.exec(text.stdout)?.[1]));
    expect(new Set(plan.steps.map((s) => s.id)).size).toBe(plan.steps.length);
    const docker = plan.steps.find((s) => s.id === 'containerd:hosts:docker.io');
    expect(docker?.path).toBe(join(dir, 'node/etc/containerd/certs.d/docker.io/hosts.toml'));
    expect((parseToml(docker?.content ?? '') as { server: string }).server).toBe('https://registry-1.docker.io');
    expect(plan.steps.find((s) => s.kind === 'containerd-config')?.content).toContain('config_path = "/etc/containerd/certs.d"');
  });

  it('reads the rewritten copy of the manifests from --manifests', async () => {
    cpSync(join(dir, 'manifests'), join(dir, 'out'), { recursive: true });
    const r = await cli(['--dry-run', '--manifests', 'out', ...NODE_ARGS], dir);
    expect(r.code).toBe(0);
    const applies = r.stdout.split('\n').filter((l) => l.includes(' apply --server-side'));
    expect(applies.length).toBeGreaterThan(5);
    expect(applies.every((l) => / -[fk] out\//.test(l))).toBe(true);
    expect(applies.some((l) => l.includes('-f out/canal/canal.yaml'))).toBe(true);
    rmSync(join(dir, 'out', 'efk'), { recursive: true });
    const missing = await cli(['--dry-run', '--manifests', 'out', ...NODE_ARGS], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('error: --manifests out: component EFK: no rewritten copy of manifests/efk at out/efk\n');
  });

  it('keeps the rest of an existing containerd config.toml', async () => {
    mkdirSync(join(dir, 'node/etc/containerd'), { recursive: true });
    writeFileSync(join(dir, 'node/etc/containerd/config.toml'), 'version = 3\nroot = "/data/containerd"\n');
    const r = await cli(['--dry-run', '--json', ...NODE_ARGS], dir);
    const content = (JSON.parse(r.stdout) as { steps: { kind: string; content?: string }[] }).steps.find((s) => s.kind === 'containerd-config')?.content ?? '';
    expect(content.startsWith('version = 3\nroot = "/data/containerd"\n')).toBe(true);
    expect(content).toContain('[plugins."io.containerd.cri.v1.images".registry]');
  });
});

describe('install: bad input exits 2 with one line', () => {
  it.each([
    [['--only', 'CNI-canal,metalb'], 'error: --only: unknown component "metalb" (known: preflight, containerd, cluster, kubernetes, CNI-canal, metrics-server, storage-rook, monitoring, dashboard, EFK, metallb)'],
    [['--lock', 'nope.json'], 'error: nope.json: cannot read lock file (ENOENT)'],
    [['--wait-timeout', 'soon'], 'error: --wait-timeout "soon": expected a number of seconds above 0'],
    [['--kubeadm-api', 'v1alpha1'], 'error: --kubeadm-api "v1alpha1": expected one of v1beta2, v1beta3, v1beta4'],
    [['--kubernetes-version', 'stable'], 'error: --kubernetes-version: "stable" is not a Kubernetes version like v1.31.2'],
  ])('%j', async (args, message) => {
    const r = await cli(['--dry-run', ...NODE_ARGS, ...args], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${message}\n`);
    expect(r.stdout).toBe('');
  });

  it('names the lock file and field, the broken manifest, and a config.toml it must not edit', async () => {
    writeFileSync(join(dir, 'mirror.lock.json'), '{"registry": "127.0.0.1:5000", "images": [{"source": "Bad/Ref"}]}');
    let r = await cli(['--dry-run', ...NODE_ARGS], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: mirror\.lock\.json: images\[0\]\.source: must be an image reference\n$/);

    rmSync(dir, { recursive: true, force: true });
    dir = copyProject();
    writeFileSync(join(dir, 'manifests/dashboard.yaml'), 'kind: Deployment\nmetadata: {name: [\n');
    r = await cli(['--dry-run', ...NODE_ARGS], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: \S+manifests\/dashboard\.yaml:3: invalid YAML: [^\n]*[^:\n]\n$/);

    rmSync(dir, { recursive: true, force: true });
    dir = copyProject();
    mkdirSync(join(dir, 'node/etc/containerd'), { recursive: true });
    writeFileSync(join(dir, 'node/etc/containerd/config.toml'), 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]\n  endpoint = ["https://x"]\n');
    r = await cli(['--dry-run', ...NODE_ARGS], dir);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr).toContain('node/etc/containerd/config.toml: plugins.io.containerd.grpc.v1.cri.registry.mirrors is set');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('install run through the CLI', () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(async () => {
    await registry.stop();
  });

  it('installs, then a second run skips every done step', async () => {
    rmSync(dir, { recursive: true, force: true });
    dir = copyProject(registry.host);
    const fake = makeFakeTools(join(dir, 'fake'), join(dir, 'node/etc/kubernetes/admin.conf'));
    fake.rule('kubectl *condition=Ready nodes*', 'notready', 2);
    const args = [...NODE_ARGS, '--poll-interval', '0.01'];
    const first = await cli(args, dir, fake.env);
    expect(first.stderr).toMatch(/\n {2}ready after 3 attempts\n/);
    expect(first.code).toBe(0);
    const done = /install finished: (\d+) steps done, 0 skipped \(done earlier\), 7 checks passed/.exec(first.stderr);
    expect(done).not.toBeNull();
    expect(fake.calls().filter((c) => c.join(' ').includes('condition=Ready'))).toHaveLength(3);

    const second = await cli([...args, '--json'], dir, fake.env);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain(`install finished: 0 steps done, ${done?.[1]} skipped (done earlier), 7 checks passed`);
    const outcomes = (JSON.parse(second.stdout) as { steps: { status: string }[] }).steps;
    expect(outcomes.filter((o) => o.status === 'skipped')).toHaveLength(Number(done?.[1]));
  });

  it('exits 1 naming the step when a command fails', async () => {
    rmSync(dir, { recursive: true, force: true });
    dir = copyProject(registry.host);
    const fake = makeFakeTools(join(dir, 'fake'), join(dir, 'node/etc/kubernetes/admin.conf'));
    fake.rule('kubectl *-k manifests/metrics-server', 'fail');
    const r = await cli([...NODE_ARGS, '--quiet'], dir, fake.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: install stopped at step \d+\/\d+ \(metrics-server: apply manifests\/metrics-server\): kubectl --kubeconfig \S+ apply --server-side --force-conflicts -k manifests\/metrics-server exited 1:\n {2}fake kubectl: told to fail\n/);
  });
});

describe('install order', () => {
  const sections = (text: string): string[] => text.split('\n').filter((l) => l.startsWith('## ')).map((l) => l.slice(3));

  it('applies by kind whatever the stack order, or in the stack order with --stack-order', async () => {
    const byKind = await cli(['--dry-run', '--stack', 'images/stack.yaml', ...NODE_ARGS], dir);
    const reversed = await cli(['--dry-run', '--stack', 'images/stack-reversed.yaml', ...NODE_ARGS], dir);
    expect(sections(reversed.stdout)).toEqual(sections(byKind.stdout));
    expect(sections(byKind.stdout)).toEqual(['preflight', 'containerd', 'cluster', 'CNI-canal', 'metrics-server', 'storage-rook', 'monitoring', 'dashboard', 'EFK', 'metallb']);
    const asListed = await cli(['--dry-run', '--stack-order', '--stack', 'images/stack-reversed.yaml', ...NODE_ARGS], dir);
    expect(sections(asListed.stdout)).toEqual(['preflight', 'containerd', 'cluster', 'metallb', 'EFK', 'dashboard', 'monitoring', 'storage-rook', 'metrics-server', 'CNI-canal']);
  });
});
