/**
 * Finding image references in files and folders: *.yaml, *.yml and *.json, recursively; a folder
 * with a kustomization is read the way kustomize builds it (resources, bases, components,
 * patches, then its `images:` overrides). A file that does not parse, a remote or missing
 * kustomize resource: one entry in `problems`, and the scan goes on.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { findCandidates } from './candidates.js';
import { byCodePoint, invalidKey, summarize, type Discovery, type Hit, type InvalidImage } from './discovery.js';
import { ManifestSyntaxError, readManifest, type ManifestFile } from './files.js';
import { KUSTOMIZATION_FILES, applyOverrides, isRemote, readKustomization, type Kustomization } from './kustomize.js';

export interface Scan {
  hits: Hit[];
  /** Files that do not parse, kustomize resources that cannot be read. */
  problems: InvalidImage[];
  /** Every file read, by absolute path; a file reached twice is parsed once. */
  files: Map<string, ManifestFile>;
  syntaxErrors: ManifestSyntaxError[];
  /** What the walk read as plain files, and the kustomizations it built (absolute paths). */
  plain: string[];
  roots: string[];
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

export async function discoverImages(paths: string[], opts: { cwd: string }): Promise<Discovery> {
  const scan = await scanPaths(paths, opts.cwd);
  return summarize(scan.hits, scan.problems);
}

/** Scan files and folders; a path that does not exist is bad input. */
export async function scanPaths(paths: string[], cwd: string): Promise<Scan> {
  const scanner = new Scanner(cwd);
  const given = new Set<string>();
  for (const p of paths) {
    const abs = resolve(cwd, p);
    const kind = await kindOf(abs);
    if (kind === 'missing') throw new InputError(`${p}: no such file or directory`);
    const kfile = kind === 'dir' ? await kustomizationIn(abs) : KUSTOMIZATION_FILES.includes(basename(abs)) ? abs : undefined;
    if (kfile) given.add(kfile);
    if (kind === 'dir') await scanner.dir(abs);
    else if (kfile) scanner.roots.push(kfile);
    else await scanner.plainFile(abs);
  }
  await scanner.buildRoots(given);
  return scanner;
}

async function kindOf(path: string): Promise<'file' | 'dir' | 'missing'> {
  try {
    return (await stat(path)).isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}

async function kustomizationIn(dir: string): Promise<string | undefined> {
  for (const name of KUSTOMIZATION_FILES) if ((await kindOf(join(dir, name))) === 'file') return join(dir, name);
  return undefined;
}

class Scanner implements Scan {
  hits: Hit[] = [];
  problems: InvalidImage[] = [];
  files = new Map<string, ManifestFile>();
  syntaxErrors: ManifestSyntaxError[] = [];
  plain: string[] = [];
  roots: string[] = [];
  private readonly unreadable = new Set<string>();
  private readonly kustomizations = new Map<string, Kustomization | undefined>();

  constructor(readonly cwd: string) {}

  name(abs: string): string {
    return relative(this.cwd, abs) || '.';
  }

  /** A base included by two overlays has its problems once. */
  report(problem: InvalidImage): void {
    if (!this.problems.some((p) => invalidKey(p) === invalidKey(problem))) this.problems.push(problem);
  }

  async dir(dir: string): Promise<void> {
    const kfile = await kustomizationIn(dir);
    if (kfile) {
      this.roots.push(kfile);
      return;
    }
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => byCodePoint(a.name, b.name));
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const abs = join(dir, e.name);
      if (e.isDirectory()) await this.dir(abs);
      else if (e.isFile() && MANIFEST_EXTENSIONS.has(extname(e.name).toLowerCase())) await this.plainFile(abs);
    }
  }

  /**
   * Build the kustomizations the walk found, except those another one includes (a base or
   * component is read as part of its overlay, not alone); the ones given by path always.
   */
  async buildRoots(given: Set<string>): Promise<void> {
    const included = new Set<string>();
    for (const kfile of this.roots) {
      const k = await this.kustomization(kfile);
      for (const entry of [...(k?.resources ?? []), ...(k?.components ?? [])]) included.add(resolve(dirname(kfile), entry));
    }
    this.roots = [...new Set(this.roots)].filter((k) => given.has(k) || !included.has(dirname(k)));
    for (const kfile of this.roots) this.hits.push(...(await this.kustomize(kfile, [], [])));
  }

  async plainFile(abs: string): Promise<void> {
    this.plain.push(abs);
    this.hits.push(...(await this.file(abs, false)));
  }

  /** Parsed once; a broken kustomization is one problem, however often it is included. */
  async kustomization(kfile: string): Promise<Kustomization | undefined> {
    if (!this.kustomizations.has(kfile)) {
      const file = await this.load(kfile);
      let k: Kustomization | undefined;
      try {
        k = file ? readKustomization(file.docs[0]?.toJS() ?? null, this.name(kfile)) : undefined;
      } catch (err) {
        // toJS refuses to expand aliases past a bound (a "billion laughs" file): unreadable, like bad YAML.
        if (err instanceof ReferenceError) this.report({ value: this.name(kfile), location: this.name(kfile), error: `invalid YAML: ${err.message}` });
        else if (err instanceof InputError) this.report({ value: this.name(kfile), location: this.name(kfile), error: err.message });
        else throw err;
      }
      this.kustomizations.set(kfile, k);
    }
    return this.kustomizations.get(kfile);
  }

  async load(abs: string): Promise<ManifestFile | undefined> {
    if (this.files.has(abs) || this.unreadable.has(abs)) return this.files.get(abs);
    try {
      const file = await readManifest(abs, this.name(abs));
      this.files.set(abs, file);
      return file;
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      this.unreadable.add(abs);
      if (err instanceof ManifestSyntaxError) this.syntaxErrors.push(err);
      const syntax = err instanceof ManifestSyntaxError;
      const location = syntax ? `${err.file}:${err.line}` : this.name(abs);
      this.report({ value: this.name(abs), location, error: syntax ? `invalid YAML: ${err.reason}` : err.message });
      return undefined;
    }
  }

  async file(abs: string, kustomized: boolean): Promise<Hit[]> {
    const file = await this.load(abs);
    if (!file) return [];
    return file.docs.flatMap((doc, i) => findCandidates(doc, i)).map((candidate) => ({ file, candidate, written: candidate.value, kustomized }));
  }

  /**
   * The hits of one kustomization. Components add to the including kustomization's hits and
   * their overrides apply to all of them, as in kustomize; `chain` stops include cycles.
   */
  async kustomize(kfile: string, acc: Hit[], chain: string[]): Promise<Hit[]> {
    const dir = dirname(kfile);
    const kname = this.name(kfile);
    const problem = (value: string, field: string, error: string): void => {
      this.report({ value, location: `${kname}: ${field}`, error });
    };
    if (chain.includes(dir)) {
      problem(this.name(dir), 'resources', 'kustomization includes itself');
      return acc;
    }
    const k = await this.kustomization(kfile);
    if (!k) return acc;
    const inner = [...chain, dir];
    const include = async (list: string[], field: string, component: boolean): Promise<void> => {
      for (const [i, entry] of list.entries()) {
        if (isRemote(entry)) {
          problem(entry, `${field}[${i}]`, 'remote resource not read (the tool works offline)');
          continue;
        }
        const abs = resolve(dir, entry);
        const kind = await kindOf(abs);
        const sub = kind === 'dir' ? await kustomizationIn(abs) : undefined;
        if (kind === 'missing') problem(entry, `${field}[${i}]`, 'no such file or directory');
        else if (kind === 'file') acc.push(...(await this.file(abs, true)));
        else if (!sub) problem(entry, `${field}[${i}]`, 'folder has no kustomization.yaml');
        else if (component) await this.kustomize(sub, acc, inner);
        else acc.push(...(await this.kustomize(sub, [], inner)));
      }
    };
    await include(k.resources, 'resources', false);
    await include(k.patches, 'patches', false);
    await include(k.components, 'components', true);
    for (const hit of acc) if (hit.candidate.kustomizable) hit.written = applyOverrides(hit.written, k.images);
    return acc;
  }
}
