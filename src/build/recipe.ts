/**
 * Build recipes: inline in images/stack.yaml under `arm64.build`, or a folder images/<name>/ with
 * a Dockerfile and an optional recipe.yaml whose fields are defaults the inline recipe overrides.
 * Validation names the file and the field; errors are InputError (exit 2).
 */
import { readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { InputError } from '../errors.js';
import { formatPlatform, parsePlatform } from '../platform.js';
import type { BuildRecipe } from '../stack-types.js';
import { yamlInputError, yamlValue } from '../yaml-errors.js';
import { isContainedPath, parseBuildContext, type BuildContext } from './context.js';

export const RECIPE_FILE = 'recipe.yaml';
const FIELDS = ['context', 'dockerfile', 'args', 'platforms', 'target'] as const;
const ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const STAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** A recipe ready to build: context parsed (local folders absolute), defaults filled in. */
export interface ResolvedRecipe {
  context: BuildContext;
  /** Dockerfile path inside the context: "Dockerfile". */
  dockerfile: string;
  /** True when the recipe named the Dockerfile (buildx then passes -f for git contexts). */
  dockerfileGiven: boolean;
  args: Record<string, string>;
  /** Normalised platforms the recipe can build: ["linux/arm64"]. */
  platforms: string[];
  target?: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function validateArgs(value: unknown, where: string): Record<string, string> {
  if (!isObject(value)) throw new InputError(`${where}: args must be a mapping of NAME: value`);
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) {
    if (!ARG_NAME.test(name)) throw new InputError(`${where}: args.${name}: not a valid build-arg name`);
    // Numbers are refused like the stack loader does: YAML reads VERSION: 1.10 as 1.1.
    if (typeof v !== 'string') throw new InputError(`${where}: args.${name}: expected a string (quote numbers)`);
    out[name] = v;
  }
  return out;
}

function validatePlatforms(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new InputError(`${where}: platforms must be a non-empty list such as [linux/arm64]`);
  }
  return value.map((p, i) => {
    if (typeof p !== 'string') throw new InputError(`${where}: platforms[${i}]: must be a string`);
    try {
      return formatPlatform(parsePlatform(p));
    } catch {
      throw new InputError(`${where}: platforms[${i}]: invalid platform "${p}" (expected os/arch[/variant])`);
    }
  });
}

function requireString(value: unknown, field: string, where: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new InputError(`${where}: ${field} must be a non-empty string`);
  return value;
}

/**
 * Check a recipe's fields (from recipe.yaml or a stack's `arm64.build`); `where` prefixes every
 * message, e.g. "images/flannel/recipe.yaml". Unknown fields are errors: a typo must not be ignored.
 */
export function validateRecipe(value: unknown, where: string): Partial<BuildRecipe> {
  if (!isObject(value)) throw new InputError(`${where}: a build recipe must be a mapping`);
  const out: Partial<BuildRecipe> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    if (!(FIELDS as readonly string[]).includes(key)) {
      throw new InputError(`${where}: unknown field "${key}" (expected ${FIELDS.join(', ')})`);
    }
    if (key === 'context') out.context = requireString(v, 'context', where);
    else if (key === 'dockerfile') {
      out.dockerfile = requireString(v, 'dockerfile', where);
      if (!isContainedPath(out.dockerfile)) {
        throw new InputError(`${where}: dockerfile "${out.dockerfile}" must be a relative path inside the context`);
      }
    } else if (key === 'args') out.args = validateArgs(v, where);
    else if (key === 'platforms') out.platforms = validatePlatforms(v, where);
    else if (key === 'target') {
      out.target = requireString(v, 'target', where);
      if (!STAGE_NAME.test(out.target)) throw new InputError(`${where}: target "${out.target}" is not a valid stage name`);
    }
  }
  return out;
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isFile(), () => false);
}

/** recipe.yaml of a recipe folder, validated; undefined when the folder has none. */
export async function readRecipeFile(dir: string, label: string): Promise<Partial<BuildRecipe> | undefined> {
  const file = join(dir, RECIPE_FILE);
  if (!(await isFile(file))) return undefined;
  const where = join(label, RECIPE_FILE);
  const parsed = parseDocument(await readFile(file, 'utf8'));
  if (parsed.errors[0]) throw yamlInputError(where, parsed.errors[0]);
  return validateRecipe(yamlValue(parsed, where) ?? {}, where);
}

/** Turn a validated context into a BuildContext; local folders resolve against `base` and must exist. */
async function resolveContext(context: string, base: string, where: string, root: string): Promise<BuildContext> {
  const parsed = parseBuildContext(context, where);
  if (parsed.kind === 'git') return parsed;
  const dir = resolve(base, parsed.path);
  if (!(await isDirectory(dir))) {
    throw new InputError(`${where}: context folder "${relative(root, dir) || '.'}" does not exist`);
  }
  return { kind: 'local', path: dir };
}

/**
 * Resolve a stack recipe against the project root: read the context folder's recipe.yaml when
 * there is one, merge (the stack's fields win; args merge key by key), and check that a local
 * Dockerfile exists.
 */
export async function resolveRecipe(recipe: BuildRecipe, stackRoot: string): Promise<ResolvedRecipe> {
  const inline = validateRecipe(recipe, 'arm64.build');
  const first = await resolveContext(requireString(inline.context, 'context', 'arm64.build'), stackRoot, 'arm64.build', stackRoot);
  let context = first;
  let fromFile: Partial<BuildRecipe> = {};
  if (first.kind === 'local') {
    const label = relative(stackRoot, first.path) || '.';
    fromFile = (await readRecipeFile(first.path, label)) ?? {};
    if (fromFile.context !== undefined) {
      context = await resolveContext(fromFile.context, first.path, join(label, RECIPE_FILE), stackRoot);
    }
  }
  const dockerfile = inline.dockerfile ?? fromFile.dockerfile;
  const out: ResolvedRecipe = {
    context,
    dockerfile: dockerfile ?? 'Dockerfile',
    dockerfileGiven: dockerfile !== undefined,
    args: { ...fromFile.args, ...inline.args },
    platforms: inline.platforms ?? fromFile.platforms ?? ['linux/arm64'],
  };
  const target = inline.target ?? fromFile.target;
  if (target !== undefined) out.target = target;
  if (context.kind === 'local' && !(await isFile(join(context.path, out.dockerfile)))) {
    throw new InputError(`arm64.build: Dockerfile "${out.dockerfile}" not found in ${relative(stackRoot, context.path) || '.'}`);
  }
  return out;
}
