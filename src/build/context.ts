/**
 * Build contexts as recipes write them: a local folder, or a git URL in buildx's syntax
 * "https://host/repo.git#ref:subdir" (docs.docker.com/build/concepts/context/#git-repositories).
 * Pure: no I/O.
 */
import { InputError } from '../errors.js';

export interface LocalContext {
  kind: 'local';
  /** As written, relative to the folder the recipe resolves against. */
  path: string;
}

export interface GitContext {
  kind: 'git';
  /** Repository URL without the fragment: "https://github.com/x/y.git", "file:///srv/y.git". */
  url: string;
  /** Branch, tag or full commit id; undefined means the remote's default branch. */
  ref?: string;
  /** Folder inside the repository that is the build context: "build/arm64". */
  subdir?: string;
  /** The context exactly as written, passed to buildx unchanged. */
  source: string;
}

export type BuildContext = LocalContext | GitContext;

const GIT_URL = /^(?:(?:https?|git|ssh|file):\/\/|git@[^:/]+:)/;
const REF = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;
const COMMIT = /^[0-9a-f]{40}$/;

/** True when `context` names a git repository rather than a local folder. */
export function isGitContext(context: string): boolean {
  return GIT_URL.test(context);
}

/** A relative path that stays inside its base: no absolute path, no "..". */
export function isContainedPath(path: string): boolean {
  if (path === '' || path.startsWith('/') || path.includes('\\')) return false;
  return !path.split('/').includes('..');
}

/** Parse a recipe's context; `where` names the file and field for error messages. */
export function parseBuildContext(context: string, where: string): BuildContext {
  if (context.trim() === '') throw new InputError(`${where}: context is empty`);
  if (!isGitContext(context)) return { kind: 'local', path: context };
  const hash = context.indexOf('#');
  const url = hash < 0 ? context : context.slice(0, hash);
  const fragment = hash < 0 ? '' : context.slice(hash + 1);
  const colon = fragment.indexOf(':');
  const ref = colon < 0 ? fragment : fragment.slice(0, colon);
  const subdir = colon < 0 ? '' : fragment.slice(colon + 1).replace(/\/+$/, '');
  if (ref !== '' && !REF.test(ref)) throw new InputError(`${where}: invalid git ref "${ref}" in context "${context}"`);
  if (subdir !== '' && !isContainedPath(subdir)) {
    throw new InputError(`${where}: git subdirectory "${subdir}" must be a relative path inside the repository`);
  }
  const out: GitContext = { kind: 'git', url, source: context };
  if (ref !== '') out.ref = ref;
  if (subdir !== '') out.subdir = subdir;
  return out;
}

/** A full commit id cannot be cloned with --branch; it needs a fetch and a checkout. */
export function isCommitId(ref: string): boolean {
  return COMMIT.test(ref);
}

/** "https://user:token@host/x.git" shown as "https://***@host/x.git": commands get printed. */
export function redactUrl(text: string): string {
  return text.replace(/(\w+:\/\/)[^/@\s]+@/g, '$1***@');
}
