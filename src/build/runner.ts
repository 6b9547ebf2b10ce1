/**
 * Runs builder processes from argv arrays (never a shell string), streams their output line by
 * line, and keeps the last lines so a failure can show what the builder said.
 */
import { spawn } from 'node:child_process';

export interface RunOptions {
  cwd?: string;
  /** Each line of stdout and stderr as it arrives (verbose mode passes the logger here). */
  onLine?: (line: string) => void;
  /** Kill the process after this long; the result then has code 124. */
  timeoutMs?: number;
  /** Variables added to the runner's environment for this process. */
  env?: Record<string, string>;
}

export interface RunResult {
  /** Exit code; 127 when the program is not on PATH, 124 after a timeout. */
  code: number;
  /** The last lines of stdout and stderr, in arrival order. */
  tail: string[];
}

export type Runner = (argv: readonly string[], opts?: RunOptions) => Promise<RunResult>;

export interface RunnerOptions {
  /** Environment of the child processes; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** How many lines the tail keeps; default 30. */
  tailLines?: number;
}

/** Splits chunks into lines; buildah and buildx redraw progress with \r, so that ends a line too. */
function lineSplitter(emit: (line: string) => void): { push(chunk: Buffer): void; end(): void } {
  let rest = '';
  return {
    push(chunk) {
      const parts = (rest + chunk.toString('utf8')).split(/\r?\n|\r/);
      rest = parts.pop() ?? '';
      for (const p of parts) emit(p);
    },
    end() {
      if (rest !== '') emit(rest);
      rest = '';
    },
  };
}

export function createRunner(options: RunnerOptions = {}): Runner {
  const keep = options.tailLines ?? 30;
  return (argv, opts = {}) => new Promise((resolve) => {
    const [cmd, ...args] = argv;
    if (cmd === undefined) throw new Error('runner: empty command');
    const tail: string[] = [];
    const onLine = (line: string): void => {
      tail.push(line);
      if (tail.length > keep) tail.shift();
      opts.onLine?.(line);
    };
    const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...(options.env ?? process.env), ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = lineSplitter(onLine);
    const err = lineSplitter(onLine);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let timedOut = false;
    const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    let settled = false;
    const finish = (code: number): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      out.end();
      err.end();
      resolve({ code, tail });
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      onLine(e.code === 'ENOENT' ? `${cmd}: command not found` : `${cmd}: ${e.message}`);
      finish(e.code === 'ENOENT' ? 127 : 126);
    });
    child.on('close', (code, signal) => finish(timedOut ? 124 : code ?? (signal ? 128 : 1)));
  });
}

/** The runner builds use unless one is injected. */
export const defaultRunner: Runner = createRunner();
