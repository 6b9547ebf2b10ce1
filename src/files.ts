/** File writes that never leave a half-written file (temp file beside, then rename), and JSON reads. */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from './errors.js';

/** Temp files being written now: an interrupted run removes them (removeTempFiles). */
const pending = new Set<string>();

/** `mode` applies from the start (a kubeconfig is never readable by others, not even briefly). */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode?: number): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  pending.add(tmp);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(tmp, data, mode === undefined ? undefined : { mode });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    // Name the file the user asked for, not the temp file; a path we may not write is theirs to fix.
    throw new InputError(`${path}: cannot write (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  } finally {
    pending.delete(tmp);
  }
}

/** Synchronous, for a signal handler: the process ends right after. */
export function removeTempFiles(): void {
  for (const tmp of pending) rmSync(tmp, { force: true });
}

/** Parse a JSON file (relative to `cwd`); errors name the file as given and what it should be ("lock file"). */
export async function readJsonFile(file: string, what: string, cwd = process.cwd()): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, file), 'utf8');
  } catch (err) {
    throw new InputError(`${file}: cannot read ${what} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputError(`${file}: not valid JSON (${(err as Error).message})`);
  }
}
