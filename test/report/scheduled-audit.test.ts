/**
 * The scheduled job's shell steps, run as written in .github/workflows/audit.yml against a real
 * registry seeded by skopeo, in a git checkout of a small project, three weeks in a row: a first
 * audit, a week with no change, and a week where upstream re-pushed a tag without arm64.
 * Only `uses:` steps (checkout, setup-node, the pull request action) and npm are left out.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { seed } from '../support/seed.js';
import { BIN } from './cli.js';
import { runShellSteps, workflowText, type StepRun } from './workflow.js';

const README = `# Demo stack

<!-- ampere-images:matrix:start -->
<!-- ampere-images:matrix:end -->
`;

describe('scheduled audit workflow, run locally week by week', () => {
  let reg: RunningRegistry;
  let root: string;
  let project: string;
  let web: string;
  const weeks: Array<{ steps: StepRun[]; summary: string; status: string; support: string; page: string }> = [];

  const git = (...args: string[]): string => execFileSync('git', args, { cwd: project, encoding: 'utf8' });

  async function week(n: number): Promise<void> {
    const runnerTemp = join(root, `runner-temp-${n}`);
    mkdirSync(runnerTemp);
    const summaryFile = join(runnerTemp, 'step-summary.md');
    const env = { PATH: process.env.PATH, HOME: join(root, 'home'), RUNNER_TEMP: runnerTemp, GITHUB_STEP_SUMMARY: summaryFile };
    const steps = await runShellSteps(workflowText(), project, env, (s) => /^npm /.test(s.run ?? ''));
    const summary = existsSync(summaryFile) ? readFileSync(summaryFile, 'utf8') : '';
    const read = (file: string): string => (existsSync(join(project, file)) ? readFileSync(join(project, file), 'utf8') : '');
    weeks.push({ steps, summary, status: git('status', '--porcelain'), support: read('matrix/support.json'), page: read('matrix/index.html') });
    // What merging the pull request does: the regenerated files land on the default branch.
    git('add', '-A');
    git('commit', '-q', '--allow-empty', '-m', `week ${n}`);
  }

  beforeAll(async () => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build first`);
    reg = await startRegistry();
    web = `${reg.host}/demo/web:1.0`;
    await seed(reg.host, [
      { name: 'demo/web:1.0', platforms: ['linux/amd64', 'linux/arm64'] },
      { name: 'demo/tool:2', platforms: ['linux/amd64'], single: true },
    ]);
    root = mkdtempSync(join(tmpdir(), 'ampere-scheduled-'));
    project = join(root, 'project');
    mkdirSync(join(project, 'images'), { recursive: true });
    writeFileSync(join(project, 'README.md'), README);
    writeFileSync(join(project, 'images', 'stack.yaml'), [
      'components:',
      '  - name: web', '    build: yes', '    images:', `      - ref: ${web}`,
      '  - name: tools', '    build: unknown', '    images:', `      - ref: ${reg.host}/demo/tool:2`, '',
    ].join('\n'));
    writeFileSync(join(project, '.gitignore'), 'dist\n');
    symlinkSync(join(BIN, '..', '..'), join(project, 'dist'));
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: project });
    git('config', 'user.email', 'audit@example.invalid');
    git('config', 'user.name', 'audit');
    git('add', '-A');
    git('commit', '-q', '-m', 'project');

    await week(1);
    await week(2);
    await seed(reg.host, [{ name: 'demo/web:1.0', platforms: ['linux/amd64'] }]);
    await week(3);
  }, 180_000);

  afterAll(async () => {
    await reg?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('week 1: audits, writes README table and matrix, reports a first audit, passes', () => {
    const { steps, summary, status, support, page } = weeks[0]!;
    expect(steps.filter((s) => s.code !== 0)).toEqual([]);
    expect(steps.map((s) => s.name)).toContain('Fail when an image lost arm64');
    expect(summary).toContain('First audit: there is no earlier matrix/support.json to compare with.');
    expect(status.split('\n').filter(Boolean).sort()).toEqual([' M README.md', '?? matrix/']);
    expect(JSON.parse(support).images.map((i: { ref: string; arm64: boolean }) => [i.ref, i.arm64])).toEqual([
      [`${reg.host}/demo/tool:2`, false], [web, true],
    ]);
    expect(page.match(/<tr data-component=/g)).toHaveLength(2);
  });

  it('week 2: nothing changed upstream, so nothing to propose and the page keeps its old time', () => {
    const { steps, summary, status, page } = weeks[1]!;
    expect(steps.filter((s) => s.code !== 0)).toEqual([]);
    expect(summary).toBe('## Image audit changes\n\nNo changes between the two audits.\n');
    expect(status).toBe('');
    expect(page).toBe(weeks[0]!.page);
  });

  it('week 3: a tag re-pushed without arm64 is reported, proposed, and fails the job last', () => {
    const { steps, summary, status } = weeks[2]!;
    const failed = steps.at(-1)!;
    expect(failed.name).toBe('Fail when an image lost arm64');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toBe(`1 image(s) lost arm64: ${web}\n`);
    expect(summary).toContain('**1 image lost arm64**');
    expect(summary).toContain(`| \`${web}\` | yes | linux/amd64 |`);
    expect(summary).toContain('| web | arm64 | yes | no |');
    // The pull request body is the same report.
    expect(readFileSync(join(root, 'runner-temp-3', 'changes.md'), 'utf8')).toBe(summary);
    expect(status.split('\n').filter(Boolean).sort()).toEqual([' M README.md', ' M matrix/index.html', ' M matrix/support.json']);
  });
});
