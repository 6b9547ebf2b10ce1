/**
 * Loads the stack catalog (images/stack.yaml, format in README "stack.yaml") into plain values.
 * Validation is strict: unknown keys, wrong types, invalid references and missing manifest paths
 * all fail with an InputError naming the file and the field path, so a typo never silently
 * drops an image from the audit.
 */
import { stat, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { InputError } from './errors.js';
import { parsePlatform } from './platform.js';
import { formatReference, parseReference } from './reference.js';
import { yamlInputError, yamlValue } from './yaml-errors.js';
import type {
  Arm64Source, BuildRecipe, Declared, Stack, StackArtifact, StackComponent, StackImage,
} from './stack-types.js';

type Obj = Record<string, unknown>;

/** Carries the file name so every message reads "file: field.path: problem". */
class Checker {
  constructor(readonly file: string) {}

  fail(path: string, problem: string): never {
    throw new InputError(`${this.file}: ${path}: ${problem}`);
  }

  /** A mapping; `allowed` null means any keys. */
  object(value: unknown, path: string, allowed: readonly string[] | null): Obj {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path || 'top level', 'expected a mapping');
    const obj = value as Obj;
    if (allowed === null) return obj;
    for (const key of Object.keys(obj)) {
      if (!allowed.includes(key)) this.fail(join(path, key), `unknown key (allowed: ${allowed.join(', ')})`);
    }
    return obj;
  }

  list(value: unknown, path: string): unknown[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) this.fail(path, 'expected a list');
    return value;
  }

  string(value: unknown, path: string): string {
    if (typeof value !== 'string' || value.trim() === '') this.fail(path, 'expected a non-empty string');
    return value;
  }

  optionalString(value: unknown, path: string): string | undefined {
    return value === undefined ? undefined : this.string(value, path);
  }

  ref(value: unknown, path: string): string {
    const text = this.string(value, path);
    try {
      return formatReference(parseReference(text));
    } catch (err) {
      return this.fail(path, err instanceof Error ? err.message : String(err));
    }
  }
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function declared(c: Checker, value: unknown, path: string): Declared {
  if (value === undefined) return 'unknown';
  // YAML 1.1 habits: `build: true` means yes.
  if (value === true) return 'yes';
  if (value === false) return 'no';
  if (value === 'yes' || value === 'no' || value === 'unknown') return value;
  return c.fail(path, `expected yes, no or unknown, got ${JSON.stringify(value)}`);
}

function buildRecipe(c: Checker, value: unknown, path: string): BuildRecipe {
  const o = c.object(value, path, ['context', 'dockerfile', 'args', 'platforms', 'target']);
  const recipe: BuildRecipe = { context: c.string(o.context, join(path, 'context')) };
  const dockerfile = c.optionalString(o.dockerfile, join(path, 'dockerfile'));
  if (dockerfile !== undefined) recipe.dockerfile = dockerfile;
  if (o.args !== undefined) {
    const argsPath = join(path, 'args');
    const args = c.object(o.args, argsPath, null);
    recipe.args = {};
    for (const [k, v] of Object.entries(args)) {
      if (typeof v !== 'string') c.fail(join(argsPath, k), 'expected a string (quote numbers)');
      recipe.args[k] = v;
    }
  }
  if (o.platforms !== undefined) {
    recipe.platforms = c.list(o.platforms, join(path, 'platforms')).map((p, i) => {
      const where = `${join(path, 'platforms')}[${i}]`;
      const text = c.string(p, where);
      try {
        parsePlatform(text);
      } catch (err) {
        c.fail(where, err instanceof Error ? err.message : String(err));
      }
      return text;
    });
  }
  const target = c.optionalString(o.target, join(path, 'target'));
  if (target !== undefined) recipe.target = target;
  return recipe;
}

function arm64Source(c: Checker, value: unknown, path: string): Arm64Source {
  const o = c.object(value, path, ['from', 'build']);
  if (o.from === undefined && o.build === undefined) c.fail(path, 'expected "from" or "build"');
  const source: Arm64Source = {};
  if (o.from !== undefined) source.from = c.ref(o.from, join(path, 'from'));
  if (o.build !== undefined) source.build = buildRecipe(c, o.build, join(path, 'build'));
  return source;
}

function stackImage(c: Checker, value: unknown, path: string): StackImage {
  const o = c.object(value, path, ['ref', 'row', 'build', 'arm64', 'runtime']);
  const image: StackImage = { ref: c.ref(o.ref, join(path, 'ref')) };
  const row = c.optionalString(o.row, join(path, 'row'));
  if (row !== undefined) image.row = row;
  if (o.build !== undefined) image.build = declared(c, o.build, join(path, 'build'));
  if (o.arm64 !== undefined) image.arm64 = arm64Source(c, o.arm64, join(path, 'arm64'));
  if (o.runtime !== undefined) {
    if (typeof o.runtime !== 'boolean') c.fail(join(path, 'runtime'), 'expected true or false');
    image.runtime = o.runtime;
  }
  return image;
}

function artifact(c: Checker, value: unknown, path: string): StackArtifact {
  const o = c.object(value, path, ['url']);
  const url = c.string(o.url, join(path, 'url'));
  let parsed: URL;
  try {
    parsed = new URL(url.replaceAll('{arch}', 'amd64').replaceAll('{uname}', 'x86_64'));
  } catch {
    return c.fail(join(path, 'url'), `invalid URL "${url}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') c.fail(join(path, 'url'), `expected an http(s) URL, got "${url}"`);
  if (!url.includes('{arch}') && !url.includes('{uname}')) c.fail(join(path, 'url'), 'expected {arch} or {uname} in the URL');
  return { url };
}

async function component(c: Checker, value: unknown, path: string, root: string): Promise<StackComponent> {
  const o = c.object(value, path, ['name', 'manifests', 'build', 'images', 'artifacts', 'install']);
  const manifests = c.list(o.manifests, join(path, 'manifests')).map((m, i) => c.string(m, `${join(path, 'manifests')}[${i}]`));
  for (const [i, m] of manifests.entries()) {
    const exists = await stat(resolve(root, m)).then(() => true, () => false);
    if (!exists) c.fail(`${join(path, 'manifests')}[${i}]`, `no such file or directory "${m}"`);
  }
  const comp: StackComponent = {
    name: c.string(o.name, join(path, 'name')),
    manifests,
    build: declared(c, o.build, join(path, 'build')),
    images: c.list(o.images, join(path, 'images')).map((im, i) => stackImage(c, im, `${join(path, 'images')}[${i}]`)),
    artifacts: c.list(o.artifacts, join(path, 'artifacts')).map((a, i) => artifact(c, a, `${join(path, 'artifacts')}[${i}]`)),
  };
  const install = c.optionalString(o.install, join(path, 'install'));
  if (install !== undefined) comp.install = install;
  return comp;
}

/** Parse YAML text; a syntax error becomes "file:line: message". */
function parseYaml(file: string, text: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors[0]) throw yamlInputError(file, doc.errors[0]);
  return yamlValue(doc, file);
}

/**
 * Validate an already-parsed stack document. `root` defaults to the stack file's folder; a
 * top-level `root:` (relative to that folder) moves it, e.g. `root: ..` for images/stack.yaml.
 */
export async function validateStack(file: string, doc: unknown): Promise<Stack> {
  const c = new Checker(file);
  if (doc === null || doc === undefined) c.fail('components', 'the file is empty');
  const o = c.object(doc, '', ['root', 'components']);
  const base = dirname(resolve(file));
  const root = resolve(base, c.optionalString(o.root, 'root') ?? '.');
  if (o.components === undefined) c.fail('components', 'missing');
  const components: StackComponent[] = [];
  const names = new Set<string>();
  for (const [i, value] of c.list(o.components, 'components').entries()) {
    const comp = await component(c, value, `components[${i}]`, root);
    if (names.has(comp.name)) c.fail(`components[${i}].name`, `duplicate component "${comp.name}"`);
    names.add(comp.name);
    components.push(comp);
  }
  return { file, root, components };
}

/** Read and validate a stack file; every problem is an InputError naming file and field. */
export async function loadStack(file: string): Promise<Stack> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(`${file}: cannot read stack file${code ? ` (${code})` : ''}`);
  }
  return validateStack(file, parseYaml(file, text));
}
