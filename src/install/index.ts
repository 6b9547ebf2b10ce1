/** `install`: read the inputs, make the plan, then print it (--dry-run) or carry it out. */
import { resolve } from 'node:path';
import { createRunner, type Runner } from '../build/runner.js';
import { DEFAULT_TIMEOUTS, type WaitTimeouts } from './components.js';
import { containerdConfigContent, doneSteps, executePlan, systemClock, type Clock, type StepOutcome } from './exec.js';
import { loadInputs, mirrorAccess } from './inputs.js';
import type { KubeadmApi } from './kubeadm-config.js';
import { buildPlan, selectParts } from './plan.js';
import { httpProbe, type Probe } from './preflight.js';
import type { PlannedStep } from './render.js';
import { readState } from './state.js';
import type { Plan } from './steps.js';

export interface InstallOptions {
  cwd: string;
  lock: string;
  stack: string;
  /** Rewritten copy of the stack's manifests folder; default the stack's own manifests. */
  manifests?: string;
  root: string;
  kubeconfig: string;
  state: string;
  only: string[];
  skip: string[];
  plainHttp?: boolean;
  insecure?: boolean;
  kubernetesVersion?: string;
  kubeadmApi?: KubeadmApi;
  untaint: boolean;
  /** Keep the stack's component order instead of install order by kind. */
  stackOrder?: boolean;
  /** Seconds for every wait instead of the per-kind defaults. */
  waitTimeout?: number;
  pollSeconds: number;
  dryRun: boolean;
}

export interface InstallDeps {
  run?: Runner;
  probe?: Probe;
  clock?: Clock;
  log?: (line: string) => void;
  /** Every line the commands print (--verbose). */
  commandOutput?: (line: string) => void;
}

export type InstallResult =
  | { dryRun: true; planned: PlannedStep[] }
  | { dryRun: false; outcomes: StepOutcome[] };

function timeouts(seconds: number | undefined): WaitTimeouts {
  if (seconds === undefined) return DEFAULT_TIMEOUTS;
  return Object.fromEntries(Object.keys(DEFAULT_TIMEOUTS).map((k) => [k, seconds])) as unknown as WaitTimeouts;
}

export async function makePlan(opts: InstallOptions): Promise<Plan> {
  const inputs = await loadInputs(opts);
  const plan = buildPlan({
    lock: inputs.lock,
    components: inputs.components,
    access: mirrorAccess(inputs.lock.registry, opts),
    root: resolve(opts.cwd, opts.root),
    kubeconfig: resolve(opts.cwd, opts.kubeconfig),
    kubeadm: {
      ...(opts.kubernetesVersion === undefined ? {} : { kubernetesVersion: opts.kubernetesVersion }),
      ...(opts.kubeadmApi === undefined ? {} : { api: opts.kubeadmApi }),
    },
    untaint: opts.untaint,
    stackOrder: opts.stackOrder === true,
    timeouts: timeouts(opts.waitTimeout),
  });
  return selectParts(plan, inputs.components.map((c) => c.name), opts.only, opts.skip);
}

/** What a run would do, with nothing written: not even the state file. */
async function dryRun(plan: Plan, statePath: string): Promise<PlannedStep[]> {
  const done = doneSteps(plan, await readState(statePath));
  const planned: PlannedStep[] = [];
  for (const step of plan.steps) {
    const p: PlannedStep = { step, done: done.has(step.id) };
    if (step.kind === 'containerd-config') p.content = await containerdConfigContent(step.path, step.configPath);
    planned.push(p);
  }
  return planned;
}

export async function install(opts: InstallOptions, deps: InstallDeps = {}): Promise<InstallResult> {
  const plan = await makePlan(opts);
  const statePath = resolve(opts.cwd, opts.state);
  if (opts.dryRun) return { dryRun: true, planned: await dryRun(plan, statePath) };
  const base = deps.run ?? createRunner();
  const outcomes = await executePlan(plan, {
    run: (argv, o) => base(argv, { cwd: opts.cwd, ...(deps.commandOutput ? { onLine: deps.commandOutput } : {}), ...o }),
    probe: deps.probe ?? httpProbe,
    clock: deps.clock ?? systemClock,
    statePath,
    pollSeconds: opts.pollSeconds,
    log: deps.log ?? (() => undefined),
  });
  return { dryRun: false, outcomes };
}
