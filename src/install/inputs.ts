/**
 * Gathers what the plan needs from disk: the lock, the stack, and each component's manifests —
 * the stack's own, or their rewritten copies under --manifests DIR.
 */
import { stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { InputError } from '../errors.js';
import { readLock, type Lock } from '../lock.js';
import { isLoopback } from '../reference.js';
import { loadStack } from '../stack.js';
import type { Stack } from '../stack-types.js';
import type { ComponentInput } from './components.js';
import type { MirrorAccess } from './containerd.js';
import { readUnit } from './resources.js';

/** Plain HTTP when asked, or for a loopback mirror (as Docker and our registry client assume). */
export function mirrorAccess(registry: string, flags: { plainHttp?: boolean; insecure?: boolean }): MirrorAccess {
  const insecure = flags.insecure === true;
  return { registry, plainHttp: flags.plainHttp === true || (!insecure && isLoopback(registry)), insecure };
}

function commonPrefix(paths: string[][]): string[] {
  const first = paths[0] ?? [];
  let n = 0;
  while (n < first.length && paths.every((p) => p[n] === first[n])) n++;
  return first.slice(0, n);
}

/**
 * Where `rewrite --manifests X --out DIR` put the stack's manifests: it keeps the paths below X.
 * X is usually the folder the component paths have in common ("manifests/canal" is found as
 * "DIR/canal"); when the stack names a single folder (or file), X may be that path itself
 * ("manifests" is "DIR"). Candidates in that order.
 */
export function manifestsBases(paths: string[]): string[] {
  const split = paths.map((p) => p.split(sep));
  const parent = commonPrefix(split.map((p) => p.slice(0, -1))).join(sep);
  const whole = commonPrefix(split).join(sep);
  return whole === parent ? [parent] : [parent, whole];
}

/** Paths inside the working folder are shown relative to it, so plans read the same anywhere. */
export function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** Each component's manifest paths, mapped into the rewritten folder when one is given. */
async function componentPaths(stack: Stack, cwd: string, manifestsDir: string | undefined): Promise<Map<string, string[]>> {
  const rel = (p: string): string => relative(stack.root, resolve(stack.root, p));
  const all = stack.components.flatMap((c) => c.manifests.map((m) => ({ component: c.name, written: m, rel: rel(m) })));
  const mapped = (base: string): string[] => all.map((m) =>
    manifestsDir === undefined ? resolve(stack.root, m.written) : resolve(cwd, manifestsDir, relative(base, m.rel)));
  let chosen: string[] | undefined;
  let firstMissing: { index: number; path: string } | undefined;
  for (const base of manifestsDir === undefined ? [''] : manifestsBases(all.map((m) => m.rel))) {
    const paths = mapped(base);
    const found = await Promise.all(paths.map(exists));
    const missing = found.indexOf(false);
    if (missing < 0) {
      chosen = paths;
      break;
    }
    firstMissing ??= { index: missing, path: paths[missing]! };
  }
  if (chosen === undefined) {
    const m = all[firstMissing!.index]!;
    const what = manifestsDir === undefined ? `manifests: ${m.written} does not exist` : `no rewritten copy of ${m.written} at ${displayPath(cwd, firstMissing!.path)}`;
    throw new InputError(`--manifests ${manifestsDir ?? stack.file}: component ${m.component}: ${what}`);
  }
  const out = new Map<string, string[]>(stack.components.map((c) => [c.name, []]));
  all.forEach((m, i) => out.get(m.component)!.push(displayPath(cwd, chosen![i]!)));
  return out;
}

export interface LoadedInputs {
  lock: Lock;
  components: ComponentInput[];
}

/** Lock, stack and manifests, read and checked; paths are relative to `cwd` where they can be. */
export async function loadInputs(opts: { cwd: string; lock: string; stack: string; manifests?: string }): Promise<LoadedInputs> {
  // Relative to the process's folder so that messages name the files the way the user wrote them.
  const asWritten = (p: string): string => relative(process.cwd(), resolve(opts.cwd, p));
  const lock = await readLock(asWritten(opts.lock));
  const stack = await loadStack(asWritten(opts.stack));
  const paths = await componentPaths(stack, opts.cwd, opts.manifests);
  const components: ComponentInput[] = [];
  for (const c of stack.components) {
    const units = [];
    for (const p of paths.get(c.name) ?? []) {
      const unit = await readUnit(resolve(opts.cwd, p));
      units.push({ ...unit, path: p, files: unit.files.map((f) => ({ ...f, path: displayPath(opts.cwd, f.path) })) });
    }
    components.push({ name: c.name, ...(c.install === undefined ? {} : { install: c.install }), units });
  }
  return { lock, components };
}
