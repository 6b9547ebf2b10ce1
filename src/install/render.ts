/**
 * --dry-run output: every file install would write (path and content) and every command it would
 * run, in order, as text or JSON. Pure: file contents that depend on the machine (config.toml) are
 * resolved by the caller and passed in.
 */
import type { Step } from './steps.js';

export interface PlannedStep {
  step: Step;
  /** Content the step would write when it is not in the step itself (containerd-config). */
  content?: string;
  /** The state file says the step is done with these inputs: a real run would skip it. */
  done: boolean;
}

/** Quote an argument for a POSIX shell only when it needs it, so commands can be pasted. */
export function shellQuote(arg: string): string {
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

const command = (argv: string[]): string => `$ ${argv.map(shellQuote).join(' ')}`;

function fileBlock(path: string, content: string): string[] {
  const body = content.endsWith('\n') ? content.slice(0, -1) : content;
  return [`write ${path}`, ...body.split('\n').map((l) => `| ${l}`.trimEnd())];
}

function actionLines(p: PlannedStep): string[] {
  const s = p.step;
  switch (s.kind) {
    case 'check':
      if (s.check.type === 'swap') return [`read ${s.check.file}: no active swap`];
      if (s.check.type === 'mirror') return [`GET ${s.check.url}: expect 200 or 401`];
      return [command(s.check.argv)];
    case 'write': return fileBlock(s.path, s.content);
    case 'containerd-config': return fileBlock(s.path, p.content ?? '');
    case 'copy': return [`copy ${s.from} -> ${s.to} (mode ${s.mode.toString(8)})`];
    case 'run': return [command(s.argv)];
    case 'wait': return [`${command(s.argv)}`, `(repeated until it succeeds, for up to ${s.timeoutSeconds}s)`];
  }
}

export function renderPlanText(planned: PlannedStep[]): string {
  const total = planned.length;
  const out = [`# ampere-images install plan: ${total} steps (dry run: nothing written, nothing run)`];
  let component: string | undefined;
  planned.forEach((p, i) => {
    if (p.step.component !== component) {
      component = p.step.component;
      out.push('', `## ${component}`);
    }
    out.push(`[${i + 1}/${total}] ${p.step.title}${p.done ? ' (done earlier: a run would skip it)' : ''}`);
    out.push(...actionLines(p).map((l) => `  ${l}`));
  });
  return `${out.join('\n')}\n`;
}

/** JSON form: the steps as data, config.toml's content resolved. */
export function planJson(planned: PlannedStep[]): unknown {
  return {
    dryRun: true,
    steps: planned.map((p, i) => ({
      n: i + 1,
      ...p.step,
      ...(p.content === undefined ? {} : { content: p.content }),
      ...(p.step.kind === 'copy' ? { mode: p.step.mode.toString(8) } : {}),
      done: p.done,
    })),
  };
}
