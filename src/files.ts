/** File writes that never leave a half-written file (temp file beside, then rename), and JSON reads. */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ExitError, InputError } from './errors.js';

/** Writes under way; an interrupted run lets them end (stopWriting) so no temp file outlives it. */
const inFlight = new Set<Promise<void>>();
let stopped = false;

/** `mode` applies from the start (a kubeconfig is never readable by others, not even briefly). */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode?: number): Promise<void> {
  const write = writeWhole(path, data, mode);
  inFlight.add(write);
  const done = (): void => void inFlight.delete(write);
  write.then(done, done);
  return write;
}

async function writeWhole(path: string, data: string | Uint8Array, mode?: number): Promise<void> {
  if (stopped) throw new ExitError(130);
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(tmp, data, mode === undefined ? undefined : { mode });
    if (stopped) throw new ExitError(130);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    if (err instanceof ExitError) throw err;
    // Name the file the user asked for, not the temp file; a path we may not write is theirs to fix.
    throw new InputError(`${path}: cannot write (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

/**
 * Ctrl-C: start no new write and wait for those under way, each of which removes its temp file.
 * Exiting at once could race the thread that is still creating one.
 */
export async function stopWriting(): Promise<void> {
  stopped = true;
  await Promise.allSettled([...inFlight]);
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
