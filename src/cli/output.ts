/** Where commands write: results to stdout, progress and diagnostics to stderr. */
export interface Output {
  /** A line of the result (table, markdown, JSON). */
  out(text: string): void;
  /** A diagnostic line; suppressed by --quiet. */
  info(text: string): void;
  /** Only with --verbose. */
  debug(text: string): void;
  /** Always shown (warnings, errors). */
  warn(text: string): void;
  /** stderr is a terminal: progress may redraw lines. */
  readonly interactive: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
}

export interface OutputOptions {
  quiet?: boolean;
  verbose?: boolean;
}

let resultWritten = false;

/** Whether a command has printed (part of) its result: a failure must not print a second one. */
export function hasWrittenResult(): boolean {
  return resultWritten;
}

export function createOutput(opts: OutputOptions = {}): Output {
  const quiet = opts.quiet === true;
  const verbose = opts.verbose === true && !quiet;
  return {
    out: (text) => {
      resultWritten = true;
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    info: (text) => {
      if (!quiet) process.stderr.write(`${text}\n`);
    },
    debug: (text) => {
      if (verbose) process.stderr.write(`${text}\n`);
    },
    warn: (text) => process.stderr.write(`${text}\n`),
    interactive: process.stderr.isTTY === true && !quiet,
    quiet,
    verbose,
  };
}

export function printJson(output: Output, value: unknown): void {
  output.out(JSON.stringify(value, null, 2));
}
