#!/usr/bin/env node
/**
 * The ampere-images program: wires commands, maps errors to exit codes (0 done, 1 findings or
 * failures, 2 bad usage or input). The only place that calls process.exit.
 */
import { Command, CommanderError } from 'commander';
import { ExitError, InputError, describeError } from '../errors.js';
import { stopWriting } from '../files.js';
import { registerAudit } from './commands/audit.js';
import { registerDiff } from './commands/diff.js';
import { registerImages } from './commands/images.js';
import { registerInstall } from './commands/install.js';
import { registerMirror } from './commands/mirror.js';
import { registerRewrite } from './commands/rewrite.js';
import { hasWrittenResult } from './output.js';

export function buildProgram(): Command {
  const program = new Command('ampere-images')
    .description('Measure and close the linux/arm64 gaps of a Kubernetes stack\'s container images')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const register of [registerImages, registerAudit, registerMirror, registerRewrite, registerInstall, registerDiff]) {
    register(program);
  }
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** `--json` or `--format json` among the arguments: stdout must then parse as JSON, failures included. */
export function wantsJson(argv: string[]): boolean {
  return argv.some((a, i) => a === '--json' || a === '--format=json' || (a === '--format' && argv[i + 1] === 'json'));
}

/** Exit code and one-line message for anything a command threw. */
export function exitCodeFor(err: unknown): { code: number; message: string } {
  if (err instanceof CommanderError) {
    // Help and version end with code 0 and have already printed.
    return { code: err.exitCode === 0 ? 0 : 2, message: '' };
  }
  if (err instanceof ExitError) return { code: err.code, message: err.message };
  if (err instanceof InputError) return { code: 2, message: `error: ${describeError(err)}` };
  return { code: 1, message: `error: ${describeError(err)}` };
}

/** A reader that stops early (`| head`, `2>&1 | head`) closes the pipe: the rest has nowhere to go. */
function ignoreClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      stream.write = () => true;
    });
  }
}

/** Ctrl-C or a kill: every written file is whole (temp + rename); no temp file is left behind. */
function cleanUpOnSignals(): void {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      void stopWriting().finally(() => process.exit(code));
    });
  }
}

async function main(): Promise<void> {
  ignoreClosedPipes();
  cleanUpOnSignals();
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    const { code, message } = exitCodeFor(err);
    if (message) process.stderr.write(`${message}\n`);
    const line = message || describeError(err);
    if (code !== 0 && line !== '' && wantsJson(process.argv) && !hasWrittenResult()) {
      process.stdout.write(`${JSON.stringify({ error: line.replace(/^error: /, '') }, null, 2)}\n`);
    }
    if (process.env.AMPERE_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    process.exitCode = code;
  }
}

await main();
