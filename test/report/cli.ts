/** Runs the built program (dist/, made by `npm run build`) the way a user or the workflow does. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli', 'index.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A run that hangs is killed before the test's own timeout, so it never outlives the test. */
const RUN_TIMEOUT_MS = 50_000;

export function runCli(args: string[], cwd: string): Promise<CliResult> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build first`);
  return new Promise((resolve) => {
    const opts = { cwd, env: { ...process.env, AMPERE_DEBUG: '' }, timeout: RUN_TIMEOUT_MS, killSignal: 'SIGKILL' as const };
    execFile(process.execPath, [BIN, ...args], opts, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
