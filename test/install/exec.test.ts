/**
 * install carried out against stand-in kubeadm/kubectl/systemctl/containerd executables (see
 * fake-tools.ts), a real docker-registry as the mirror, and a clock the test advances.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRunner } from '../../src/build/runner.js';
import { InputError } from '../../src/errors.js';
import type { Clock } from '../../src/install/exec.js';
import { install, type InstallOptions, type InstallResult } from '../../src/install/index.js';
import { activeSwaps, runCheck } from '../../src/install/preflight.js';
import { renderPlanText, type PlannedStep } from '../../src/install/render.js';
import { freePort, startRegistry, type RunningRegistry } from '../support/registry.js';
import { makeFakeTools, type FakeTools } from './fake-tools.js';
import { copyProject } from './project.js';

const START = Date.UTC(2024, 0, 1);
let registry: RunningRegistry;
let dir: string;
let fake: FakeTools;
let clock: Clock & { slept: number };
let log: string[];

function fakeClock(): Clock & { slept: number } {
  let t = START;
  const c = { slept: 0, now: () => t, sleep: async (ms: number) => { t += ms; c.slept += ms; } };
  return c;
}

const options = (extra: Partial<InstallOptions> = {}): InstallOptions => ({
  cwd: dir, lock: 'mirror.lock.json', stack: 'images/stack.yaml', root: 'node', kubeconfig: 'node/kubeconfig',
  state: '.ampere-images/install-state.json', only: [], skip: [], untaint: true, pollSeconds: 5, dryRun: false, ...extra,
});

const run = (extra: Partial<InstallOptions> = {}): Promise<InstallResult> =>
  install(options(extra), { run: createRunner({ env: fake.env }), clock, log: (l) => log.push(l) });

async function planned(extra: Partial<InstallOptions> = {}): Promise<PlannedStep[]> {
  const r = await install(options({ ...extra, dryRun: true }));
  if (!r.dryRun) throw new Error('expected a dry run');
  return r.planned;
}

/** The commands a plan runs through the runner, as the fakes log them (uname is the real one). */
function commandsOf(steps: PlannedStep[]): string[] {
  return steps.flatMap(({ step }) => {
    if (step.kind === 'run' || step.kind === 'wait') return [step.argv.join(' ')];
    if (step.kind === 'check' && step.check.type === 'command') return [step.check.argv.join(' ')];
    return [];
  });
}
const called = (): string[] => fake.calls().map((c) => c.join(' '));
const state = (): Record<string, unknown> => (JSON.parse(readFileSync(join(dir, '.ampere-images/install-state.json'), 'utf8')) as { steps: Record<string, unknown> }).steps;

beforeAll(async () => {
  registry = await startRegistry();
});
afterAll(async () => {
  await registry.stop();
});
beforeEach(() => {
  dir = copyProject(registry.host);
  fake = makeFakeTools(join(dir, 'fake'), join(dir, 'node', 'etc', 'kubernetes', 'admin.conf'));
  clock = fakeClock();
  log = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('install run', () => {
  it('runs every planned command once, in plan order, and writes the planned files', async () => {
    const plan = await planned();
    const result = await run();
    expect(result.dryRun).toBe(false);
    expect(called()).toEqual(commandsOf(plan));
    const order = called();
    const index = (needle: string): number => order.findIndex((c) => c.includes(needle));
    expect(index('systemctl restart containerd')).toBeLessThan(index('kubeadm init'));
    expect(index('kubeadm init')).toBeLessThan(index('apply --server-side --force-conflicts -f manifests/canal/canal.yaml'));
    expect(index('condition=Ready nodes --all')).toBeLessThan(index('-k manifests/metrics-server'));
    expect(index('app=rook-ceph-osd')).toBeLessThan(index('patch storageclass rook-ceph-block'));
    expect(index('kibana/logs')).toBeLessThan(index('manifests/efk/4-fluent-bit.yaml'));
    expect(log.some((l) => l.includes(`architecture ${execFileSync('uname', ['-m']).toString().trim()}`))).toBe(true);
    expect(log.some((l) => l.includes(`mirror answers at http://${registry.host}/v2/ (HTTP 200)`))).toBe(true);

    const hosts = parseToml(readFileSync(join(dir, 'node/etc/containerd/certs.d/quay.io/hosts.toml'), 'utf8')) as { server: string; host: Record<string, unknown> };
    expect(hosts.server).toBe('https://quay.io');
    expect(Object.keys(hosts.host)).toEqual([`http://${registry.host}/v2/quay.io`]);
    expect(readFileSync(join(dir, 'node/etc/containerd/config.toml'), 'utf8')).toContain('config_path = "/etc/containerd/certs.d"');
    expect(readFileSync(join(dir, 'node/etc/ampere-images/kubeadm-config.yaml'), 'utf8')).toContain(`imageRepository: ${registry.host}/registry.k8s.io`);
    expect(readFileSync(join(dir, 'node/kubeconfig'), 'utf8')).toContain('fake admin.conf');
    expect(statSync(join(dir, 'node/kubeconfig')).mode & 0o777).toBe(0o600);
    const recorded = Object.keys(state());
    expect(recorded).toHaveLength(plan.filter((p) => p.step.kind !== 'check').length);
    expect(clock.slept).toBe(0);
    // A dry run now marks every recorded step as one a run would skip.
    const after = await planned();
    expect(after.filter((p) => p.done).map((p) => p.step.id)).toEqual(recorded);
    expect(renderPlanText(after)).toContain('kubeadm init (done earlier: a run would skip it)');
  });

  it('keeps polling a wait that is not ready, then goes on', async () => {
    fake.rule('kubectl *app=rook-ceph-osd*', 'notready', 3);
    await run();
    const osd = called().filter((c) => c.includes('app=rook-ceph-osd'));
    expect(osd).toHaveLength(4);
    expect(clock.slept).toBe(3 * 5000);
    expect(log).toContain('  ready after 4 attempts');
  });

  it('fails a wait at its timeout naming the component and what did not get ready, then resumes there', async () => {
    fake.rule('kubectl *kibana/logs*', 'notready', 100_000);
    const failure = await run({ waitTimeout: 120, pollSeconds: 10 }).then(() => 'no error', (e: Error) => e.message);
    expect(failure).toMatch(/^install stopped at step \d+\/\d+ \(EFK: wait for Kibana logging\/logs health green\): EFK: Kibana logging\/logs did not report health green within 120s \(13 attempts\)/);
    expect(failure).toContain('timed out waiting for the condition');
    expect(failure).toContain('.ampere-images/install-state.json');
    expect(clock.slept).toBe(120_000);
    const fluentApplied = (): boolean => called().some((c) => c.includes('4-fluent-bit.yaml'));
    expect(fluentApplied()).toBe(false);
    expect(Object.keys(state())).toContain('EFK:health:elasticsearch/logs:logging');
    expect(Object.keys(state())).not.toContain('EFK:health:kibana/logs:logging');

    // Second run: everything done is skipped; it starts again at the Kibana wait.
    fake.clearRules();
    writeFileSync(join(dir, 'fake', 'calls.log'), '');
    const second = await run({ waitTimeout: 120, pollSeconds: 10 });
    const commands = called();
    expect(commands.filter((c) => !c.includes(' version') && !c.endsWith('--version'))[0]).toContain('kibana/logs');
    expect(commands.some((c) => c.startsWith('kubeadm init'))).toBe(false);
    expect(fluentApplied()).toBe(true);
    if (second.dryRun) throw new Error('not a dry run');
    expect(second.outcomes.filter((o) => o.status === 'skipped').map((o) => o.id)).toContain('cluster:init');
  });

  it('stops at a failing command with its output, and a re-run resumes at that step', async () => {
    fake.rule('kubeadm init*', 'fail');
    await expect(run()).rejects.toThrow(/install stopped at step \d+\/\d+ \(cluster: kubeadm init\): kubeadm init --config \S+ exited 1:\n {2}fake kubeadm: told to fail/);
    expect(Object.keys(state())).toContain('containerd:restart');
    expect(called().some((c) => c.startsWith('kubectl --kubeconfig'))).toBe(false);
    fake.clearRules();
    writeFileSync(join(dir, 'fake', 'calls.log'), '');
    await run();
    expect(called().some((c) => c === 'systemctl restart containerd')).toBe(false);
    expect(called().filter((c) => c.startsWith('kubeadm init'))).toHaveLength(1);
  });

  it('re-runs only what changed: an edited manifest re-applies its component and its waits', async () => {
    await run();
    appendFileSync(join(dir, 'manifests/dashboard.yaml'), '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra, namespace: kubernetes-dashboard}\n');
    writeFileSync(join(dir, 'fake', 'calls.log'), '');
    await run();
    const again = called().filter((c) => c.startsWith('kubectl --kubeconfig'));
    expect(again).toHaveLength(2);
    expect(again[0]).toContain('apply --server-side --force-conflicts -f manifests/dashboard.yaml');
    expect(again[1]).toContain('rollout status deployment/kubernetes-dashboard');
  });

  it('--only runs the named component after the preflight checks; unknown names are bad input', async () => {
    const plan = await planned({ only: ['metallb'] });
    expect([...new Set(plan.map((p) => p.step.component))]).toEqual(['preflight', 'metallb']);
    await run({ only: ['metallb'] });
    expect(called()).toEqual(commandsOf(plan));
    const kubectl = called().filter((c) => c.startsWith('kubectl --kubeconfig'));
    expect(kubectl).toHaveLength(4);
    expect(kubectl.at(-1)).toContain('-f manifests/metallb/pool.yaml');
    await expect(run({ skip: ['metalb'] })).rejects.toThrow(InputError);
    await expect(run({ skip: ['metalb'] })).rejects.toThrow(/^--skip: unknown component "metalb" \(known: preflight, containerd, cluster, kubernetes, CNI-canal/);
  });

  it('refuses to start when the mirror does not answer, before changing anything', async () => {
    rmSync(dir, { recursive: true, force: true });
    dir = copyProject(`127.0.0.1:${await freePort()}`);
    fake = makeFakeTools(join(dir, 'fake'), join(dir, 'node/admin.conf'));
    await expect(run()).rejects.toThrow(/\(preflight: the mirror 127\.0\.0\.1:\d+ answers\): the mirror does not answer at http:\/\/127\.0\.0\.1:\d+\/v2\/ \(ECONNREFUSED\)/);
    expect(called().every((c) => / version|--version/.test(c))).toBe(true);
    expect(() => statSync(join(dir, 'node'))).toThrow();
  });

  it('says which program is missing', async () => {
    rmSync(join(dir, 'fake', 'bin', 'kubelet'));
    const env = { ...fake.env, PATH: `${join(dir, 'fake', 'bin')}:/usr/bin:/bin` };
    await expect(install(options(), { run: createRunner({ env }), clock })).rejects.toThrow(/kubelet is not installed \(not found on PATH\)/);
  });
});

describe('preflight: swap', () => {
  it('reads active swap devices from /proc/swaps', async () => {
    const header = 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n';
    expect(activeSwaps(header)).toEqual([]);
    expect(activeSwaps(`${header}/swapfile                               file\t\t2097148\t\t0\t\t-2\n`)).toEqual(['/swapfile']);
    const file = join(dir, 'swaps');
    writeFileSync(file, `${header}/dev/sda2 partition 1000 0 -2\n`);
    const env = { run: createRunner(), probe: async () => 200 };
    await expect(runCheck({ type: 'swap', file }, env)).rejects.toThrow(/swap is on \(\/dev\/sda2\).*swapoff -a/);
    writeFileSync(file, header);
    await expect(runCheck({ type: 'swap', file }, env)).resolves.toBe('swap is off');
  });
});
