/**
 * The install state file: which steps completed, each with a hash of its inputs, so a re-run skips
 * what is done, resumes after a failure, and redoes a step whose inputs changed.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../files.js';
import type { Step } from './steps.js';

export const DEFAULT_STATE = '.ampere-images/install-state.json';

export interface StepRecord {
  /** "sha256:…" of the step's inputs, chained with the steps before it in its component. */
  hash: string;
  completedAt: string;
}

export interface InstallState {
  version: 1;
  steps: Record<string, StepRecord>;
}

export const emptyState = (): InstallState => ({ version: 1, steps: {} });

function inputsOf(step: Step): unknown {
  switch (step.kind) {
    case 'check': return null;
    case 'write': return [step.path, step.content];
    case 'containerd-config': return [step.path, step.configPath];
    case 'copy': return [step.from, step.to, step.mode];
    case 'run': return [step.argv, step.tolerate ?? null, step.contentDigest ?? null];
    // A longer or shorter timeout does not make a finished wait worth repeating.
    case 'wait': return [step.argv.filter((a) => !a.startsWith('--timeout='))];
  }
}

/**
 * Hash per step id. Chaining within a component means that when an apply changes, the waits after
 * it run again too; other components keep their records.
 */
export function stepHashes(steps: Step[]): Map<string, string> {
  const last = new Map<string, string>();
  const out = new Map<string, string>();
  for (const step of steps) {
    if (step.kind === 'check') continue;
    const h = createHash('sha256').update(last.get(step.component) ?? '').update(JSON.stringify([step.kind, inputsOf(step)]));
    const hash = `sha256:${h.digest('hex')}`;
    last.set(step.component, hash);
    out.set(step.id, hash);
  }
  return out;
}

export async function readState(file: string): Promise<InstallState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
    throw new InputError(`${file}: cannot read install state (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${file}: not valid JSON (${(err as Error).message}); delete it to start over`);
  }
  const d = doc as Partial<InstallState> | null;
  if (typeof d !== 'object' || d === null || d.version !== 1 || typeof d.steps !== 'object' || d.steps === null) {
    throw new InputError(`${file}: not an install state file (expected {"version": 1, "steps": {…}}); delete it to start over`);
  }
  for (const [id, rec] of Object.entries(d.steps)) {
    if (typeof rec?.hash !== 'string') throw new InputError(`${file}: steps["${id}"].hash: must be a string`);
  }
  return d as InstallState;
}

export async function writeState(file: string, state: InstallState): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(state, null, 2)}\n`);
}
