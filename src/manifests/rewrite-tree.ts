/**
 * `rewrite`: point a folder of manifests at the mirror recorded in a lock file. Every reference
 * discovery finds is replaced by its lock target, in a copy of the folder (or in place); with
 * kustomize, what kustomize's images transformer reaches goes into kustomization.yaml instead.
 * Nothing is written when a file does not parse.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { isMap } from 'yaml';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../files.js';
import { readLock, type Lock } from '../lock.js';
import { formatReference, parseReference, type ImageRef } from '../reference.js';
import { scanPaths, type Scan } from './discover.js';
import { byCodePoint, hitLocation, invalidKey, resolveHit, uniqueBy, type Hit, type InvalidImage } from './discovery.js';
import { renderManifest, type ManifestFile } from './files.js';
import { KUSTOMIZATION_FILES, type ImageOverride } from './kustomize.js';
import { kustomizeEntries, updateKustomization } from './kustomize-images.js';
import { matchLock, mirrorTarget } from './lock-match.js';
import { rewriteHit } from './rewrite.js';

export interface RewriteOptions {
  lock: string;
  /** A folder (or one file) of manifests. */
  manifests: string;
  out?: string;
  inPlace?: boolean;
  /** Append the mirrored index digest: image@sha256:…. */
  pin?: boolean;
  kustomize?: boolean;
  cwd: string;
}

export interface Rewritten {
  location: string;
  from: string;
  to: string;
  /** In the file itself, or by an images: entry of the kustomization. */
  via: 'file' | 'kustomization';
}

export interface RewriteReport {
  /** Output files whose content differs from their source, relative to cwd. */
  changed: string[];
  rewritten: Rewritten[];
  /** References without a lock entry, left as they are. */
  missing: { ref: string; locations: string[] }[];
  invalid: InvalidImage[];
  kustomization?: { file: string; entries: ImageOverride[] };
  /** Things the rewrite could not fully do, one line each. */
  notes: string[];
}

interface Item {
  hit: Hit;
  to: ImageRef;
}

interface Plan {
  /** Rewritten in the files. */
  edits: Item[];
  /** Left to kustomization.yaml images: entries. */
  kustomized: Item[];
  /** References kustomize reaches that have no lock entry: entries must not catch them by name. */
  reachedMissing: string[];
  missing: Map<string, string[]>;
  invalid: InvalidImage[];
}

export async function rewriteManifests(opts: RewriteOptions): Promise<RewriteReport> {
  // Relative to the process's folder so messages name the file the way the user wrote it.
  const lock = await readLock(relative(process.cwd(), resolve(opts.cwd, opts.lock)));
  const src = resolve(opts.cwd, opts.manifests);
  const srcIsDir = await stat(src).then((s) => s.isDirectory(), () => {
    throw new InputError(`${opts.manifests}: no such file or directory`);
  });
  const srcDir = srcIsDir ? src : dirname(src);
  const outDir = outputFolder(opts, srcDir);
  const scan = await scanPaths([src], opts.cwd);
  const syntax = scan.syntaxErrors[0];
  if (syntax) throw syntax;
  const top = scan.roots.find((k) => dirname(k) === srcDir);
  const inBuild = (hit: Hit): boolean => hit.kustomized || (!top && hasResources(hit.file));
  const plan = planRewrite(scan, lock, opts.pin === true, (hit) => opts.kustomize === true && hit.candidate.kustomizable && inBuild(hit));
  const notes: string[] = [];
  const entries = opts.kustomize ? splitKustomized(plan, notes) : [];
  const changed = applyEdits(plan.edits, srcDir, notes);
  const report: RewriteReport = {
    changed: [],
    rewritten: uniqueBy([...plan.edits.map((i) => rewritten(i, 'file')), ...plan.kustomized.map((i) => rewritten(i, 'kustomization'))], (r) => `${r.location}\n${r.to}`),
    missing: [...plan.missing.entries()].sort(([a], [b]) => byCodePoint(a, b)).map(([ref, locations]) => ({ ref, locations })),
    invalid: uniqueBy(plan.invalid, invalidKey),
    notes,
  };
  const files = srcIsDir ? await listFiles(srcDir) : [src];
  for (const file of files) {
    const edited = changed.has(file);
    if (!edited && outDir === srcDir) continue;
    const dest = join(outDir, relative(srcDir, file));
    await writeFileAtomic(dest, edited ? renderManifest(scan.files.get(file)!) : await readFile(file));
    if (edited) report.changed.push(relative(opts.cwd, dest));
  }
  if (opts.kustomize) {
    const file = await writeKustomization(entries, scan, { srcDir, outDir, top });
    report.kustomization = { file: relative(opts.cwd, file), entries };
  }
  return report;
}

function rewritten(item: Item, via: Rewritten['via']): Rewritten {
  return { location: hitLocation(item.hit), from: item.hit.written, to: formatReference(item.to), via };
}

function outputFolder(opts: RewriteOptions, srcDir: string): string {
  if (opts.inPlace && opts.out !== undefined) throw new InputError(`--out ${opts.out} and --in-place: choose one`);
  if (opts.inPlace) return srcDir;
  if (opts.out === undefined) throw new InputError('--out is required (or --in-place to change the manifests themselves)');
  const out = resolve(opts.cwd, opts.out);
  if (out === srcDir) throw new InputError(`--out ${opts.out}: that is the manifests folder; use --in-place to change it`);
  const inside = (a: string, b: string): boolean => a.startsWith(b + sep);
  if (inside(out, srcDir) || inside(srcDir, out)) throw new InputError(`--out ${opts.out}: must not contain or be inside the manifests folder`);
  return out;
}

function planRewrite(scan: Scan, lock: Lock, pin: boolean, reachedByKustomize: (hit: Hit) => boolean): Plan {
  const plan: Plan = { edits: [], kustomized: [], reachedMissing: [], missing: new Map(), invalid: [...scan.problems] };
  for (const hit of scan.hits) {
    const resolved = resolveHit(hit);
    if ('error' in resolved) {
      plan.invalid.push({ value: hit.written, location: hitLocation(hit), error: resolved.error });
      continue;
    }
    const ref = parseReference(resolved.ref);
    const match = matchLock(lock, ref);
    if (match.kind === 'missing') {
      const locations = plan.missing.get(resolved.ref) ?? [];
      if (!locations.includes(hitLocation(hit))) plan.missing.set(resolved.ref, [...locations, hitLocation(hit)]);
      if (reachedByKustomize(hit)) plan.reachedMissing.push(hit.written);
    }
    if (match.kind !== 'entry') continue;
    const item = { hit, to: mirrorTarget(match.entry, ref, pin) };
    (reachedByKustomize(hit) ? plan.kustomized : plan.edits).push(item);
  }
  return plan;
}

/** The images: entries; what no entry can single out moves back to the file edits. */
function splitKustomized(plan: Plan, notes: string[]): ImageOverride[] {
  const reached = new Map<string, ImageRef | undefined>(plan.reachedMissing.map((w) => [w, undefined]));
  for (const { hit, to } of plan.kustomized) reached.set(hit.written, to);
  const { entries, ambiguous } = kustomizeEntries(reached);
  const back = plan.kustomized.filter((i) => ambiguous.includes(i.hit.written));
  plan.kustomized = plan.kustomized.filter((i) => !back.includes(i));
  plan.edits.push(...back);
  for (const { hit } of back) notes.push(`${hitLocation(hit)}: ${hit.written} shares its name with other tags; rewritten in the file`);
  return entries;
}

/**
 * Rewrite the scalars. A scalar reached twice (a base in two overlays) is rewritten once; when
 * the two want different targets, the first wins and a note says so.
 */
function applyEdits(edits: Item[], srcDir: string, notes: string[]): Set<string> {
  const done = new Map<unknown, string>();
  const changed = new Set<string>();
  for (const { hit, to } of edits) {
    const node = hit.candidate.node ?? hit.candidate.composite;
    const target = formatReference(to);
    const earlier = done.get(node);
    if (earlier !== undefined) {
      if (earlier !== target) notes.push(`${hitLocation(hit)}: also wanted ${target} (through another kustomization); kept ${earlier}`);
      continue;
    }
    done.set(node, target);
    if (!hit.file.path.startsWith(srcDir + sep)) {
      notes.push(`${hitLocation(hit)}: outside the manifests folder, not rewritten`);
      continue;
    }
    const note = rewriteHit(hit, to);
    if (note) notes.push(`${hitLocation(hit)}: ${note}`);
    changed.add(hit.file.path);
  }
  return changed;
}

/** Files with at least one Kubernetes object (apiVersion and kind) can be kustomize resources. */
function hasResources(file: ManifestFile): boolean {
  return file.docs.some((d) => isMap(d.contents) && typeof d.contents.get('kind') === 'string' && typeof d.contents.get('apiVersion') === 'string');
}

/** Every file below `dir` (sorted), without dot-files and node_modules, as the scan skips them. */
async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => byCodePoint(a.name, b.name))) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const abs = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(abs)));
    else if (e.isFile()) out.push(abs);
  }
  return out;
}

/**
 * Append the entries to the manifests folder's kustomization (in the output), or write a new one
 * listing what the scan read: plain files with resources and the kustomize folders.
 */
async function writeKustomization(entries: ImageOverride[], scan: Scan, at: { srcDir: string; outDir: string; top: string | undefined }): Promise<string> {
  const file = join(at.outDir, at.top ? basename(at.top) : KUSTOMIZATION_FILES[0]!);
  const text = at.top ? await readFile(at.top, 'utf8') : undefined;
  const resources = [
    ...scan.plain.filter((p) => { const f = scan.files.get(p); return f !== undefined && hasResources(f); }),
    ...scan.roots.map((k) => dirname(k)),
  ].map((p) => relative(at.srcDir, p).split(sep).join('/'));
  const next = updateKustomization(text, entries, resources);
  if (next !== text) await writeFileAtomic(file, next);
  return file;
}
