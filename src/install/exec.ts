/**
 * Carries out an install plan: checks, atomic file writes, commands through an injected runner,
 * waits polled against an injectable clock. Completed steps go to the state file as they finish,
 * so a re-run skips them and resumes where a failure stopped.
 */
import { readFile } from 'node:fs/promises';
import type { Runner } from '../build/runner.js';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../files.js';
import { setRegistryConfigPath } from './containerd.js';
import { runCheck, type Probe } from './preflight.js';
import { readState, stepHashes, writeState, type InstallState } from './state.js';
import type { Plan, Step, WaitStep } from './steps.js';

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface ExecEnv {
  run: Runner;
  probe: Probe;
  clock: Clock;
  statePath: string;
  /** Pause between attempts of a wait that is not ready yet. */
  pollSeconds: number;
  /** Progress lines. */
  log: (line: string) => void;
}

export type StepStatus = 'checked' | 'done' | 'skipped';

export interface StepOutcome {
  id: string;
  component: string;
  title: string;
  status: StepStatus;
  detail?: string;
}

/** A step that did not succeed; the message names the component and what did not happen. */
export class StepFailed extends Error {
  override name = 'StepFailed';
}

const tailOf = (lines: string[], n = 5): string => lines.filter((l) => l.trim() !== '').slice(-n).join('\n  ');

/** The file as containerd-config would leave it; a missing file counts as empty. */
export async function containerdConfigContent(path: string, configPath: string): Promise<string> {
  const current = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw err;
  });
  return setRegistryConfigPath(current, path, configPath);
}

async function copyFile(from: string, to: string, mode: number): Promise<void> {
  let data: Buffer;
  try {
    data = await readFile(from);
  } catch (err) {
    throw new StepFailed(`cannot read ${from} (${(err as NodeJS.ErrnoException).code ?? String(err)}); kubeadm init writes it`);
  }
  await writeFileAtomic(to, data, mode);
}

async function runCommand(argv: string[], tolerate: string | undefined, env: ExecEnv): Promise<string | undefined> {
  const res = await env.run(argv);
  if (res.code === 0) return undefined;
  if (tolerate !== undefined && res.tail.some((l) => l.includes(tolerate))) return `already so (${tolerate})`;
  throw new StepFailed(`${argv.join(' ')} exited ${res.code}${res.code === 127 ? ' (not found on PATH)' : ''}:\n  ${tailOf(res.tail)}`);
}

/** Poll until the command succeeds; a non-zero exit means "not ready yet" until the time is up. */
async function waitFor(step: WaitStep, env: ExecEnv): Promise<string> {
  const start = env.clock.now();
  const deadline = start + step.timeoutSeconds * 1000;
  for (let attempt = 1; ; attempt++) {
    // kubectl bounds each attempt with --timeout; the guard catches a client that hangs anyway (exit 124).
    const res = await env.run(step.argv, { timeoutMs: (Math.min(step.timeoutSeconds, 60) + 30) * 1000 });
    if (res.code === 0) return `ready after ${attempt} attempt${attempt === 1 ? '' : 's'}`;
    if (res.code === 127) throw new StepFailed(`${step.argv[0]} not found on PATH`);
    if (env.clock.now() + env.pollSeconds * 1000 > deadline) {
      throw new StepFailed(`${step.failure} within ${step.timeoutSeconds}s (${attempt} attempts); last answer:\n  ${tailOf(res.tail, 3)}`);
    }
    await env.clock.sleep(env.pollSeconds * 1000);
  }
}

async function perform(step: Step, env: ExecEnv): Promise<string | undefined> {
  switch (step.kind) {
    case 'check': return runCheck(step.check, env);
    case 'write': return writeFileAtomic(step.path, step.content).then(() => undefined);
    case 'containerd-config': return writeFileAtomic(step.path, await containerdConfigContent(step.path, step.configPath)).then(() => undefined);
    case 'copy': return copyFile(step.from, step.to, step.mode).then(() => undefined);
    case 'run': return runCommand(step.argv, step.tolerate, env);
    case 'wait': return waitFor(step, env);
  }
}

/** Ids of steps the state says are done with the same inputs. */
export function doneSteps(plan: Plan, state: InstallState): Set<string> {
  const hashes = stepHashes(plan.steps);
  return new Set(plan.steps.filter((s) => hashes.get(s.id) !== undefined && state.steps[s.id]?.hash === hashes.get(s.id)).map((s) => s.id));
}

export async function executePlan(plan: Plan, env: ExecEnv): Promise<StepOutcome[]> {
  const state = await readState(env.statePath);
  const hashes = stepHashes(plan.steps);
  const done = doneSteps(plan, state);
  const outcomes: StepOutcome[] = [];
  const total = plan.steps.length;
  for (const [i, step] of plan.steps.entries()) {
    const label = `[${String(i + 1).padStart(String(total).length)}/${total}] ${step.component}: ${step.title}`;
    const base = { id: step.id, component: step.component, title: step.title };
    if (done.has(step.id)) {
      outcomes.push({ ...base, status: 'skipped', detail: 'done in an earlier run' });
      env.log(`${label} (done earlier, skipped)`);
      continue;
    }
    env.log(label);
    let detail: string | undefined;
    try {
      detail = await perform(step, env);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      // A config file install cannot edit is bad input (exit 2), not a failed step.
      if (err instanceof InputError) throw new InputError(`step ${i + 1}/${total} (${step.component}: ${step.title}): ${why}`);
      throw new StepFailed(`install stopped at step ${i + 1}/${total} (${step.component}: ${step.title}): ${why}\n` +
        `completed steps are recorded in ${env.statePath}; fix the cause and run install again to resume`);
    }
    if (detail !== undefined) env.log(`  ${detail}`);
    const hash = hashes.get(step.id);
    if (hash !== undefined) {
      state.steps[step.id] = { hash, completedAt: new Date(env.clock.now()).toISOString() };
      await writeState(env.statePath, state);
    }
    outcomes.push({ ...base, status: step.kind === 'check' ? 'checked' : 'done', ...(detail === undefined ? {} : { detail }) });
  }
  return outcomes;
}
