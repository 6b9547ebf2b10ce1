/**
 * The support matrix: per-component rollups (audit --json "components") and the rows of the
 * original project's hand-kept support table, computed from inspected images. Pure.
 *
 * An item "offers arm64" when it was inspected and the reference itself or an alternate has
 * linux/arm64 (artifacts: the arm64 file exists). "multi-arch" needs the reference itself to be
 * an index with linux/arm64 among two or more platforms: one manifest for a mixed cluster.
 */
import { familiarName, parseReference } from '../reference.js';
import type { Declared, Stack, StackComponent } from '../stack-types.js';
import type { ArtifactReport } from './artifacts.js';
import type { ImageReport } from './inspect.js';

export type Support = 'yes' | 'partial' | 'no';

export interface ComponentReport {
  /** "CNI-canal" */
  name: string;
  /** Canonical references, sorted. */
  images: string[];
  arm64: Support;
  multiArch: Support;
  build: Declared;
  /** Release files checked per arch (gvisor); omitted when the component declares none. */
  artifacts?: ArtifactReport[];
}

/** One row of the support table (README, markdown, matrix/support.json). */
export interface SupportRow {
  component: string;
  /** "all", "(rest)", an image group ("grafana"), one image's name, or "n/a" (artifacts only). */
  image: string;
  build: Declared;
  /** "container/artifacts provided": yes, no, "no (2/5)", unknown, "no release bins". */
  provided: string;
  /** "multi-arch container support": yes, no, "no (3/5)", unknown. */
  multiArch: string;
  /** Platforms every image of the row offers; "linux/arm64 (alternate)" when only alternates do. */
  platforms: string[];
  images: string[];
}

const ARM64 = 'linux/arm64';
const offersArm64 = (r: ImageReport): boolean => r.status === 'ok' && (r.arm64 || r.arm64Alternative !== null);
const multiWithArm64 = (r: ImageReport): boolean => r.status === 'ok' && r.multiArch && r.arm64;

function rollup(flags: boolean[]): Support {
  const yes = flags.filter(Boolean).length;
  if (flags.length > 0 && yes === flags.length) return 'yes';
  return yes === 0 ? 'no' : 'partial';
}

function componentReport(c: StackComponent, images: ImageReport[], artifacts: ArtifactReport[]): ComponentReport {
  const arm64Flags = [...images.map(offersArm64), ...artifacts.map((a) => a.arches.arm64 === 'present')];
  const report: ComponentReport = {
    name: c.name,
    images: images.map((r) => r.ref).sort(),
    arm64: rollup(arm64Flags),
    multiArch: rollup(images.map(multiWithArm64)),
    build: c.build,
  };
  if (artifacts.length > 0) report.artifacts = artifacts;
  return report;
}

/** undefined: could not be checked (image not inspected, artifact HEAD failed). */
type Known = boolean | undefined;
const imageProvides = (r: ImageReport): Known => (r.status === 'ok' ? offersArm64(r) : undefined);
const imageMulti = (r: ImageReport): Known => (r.status === 'ok' ? multiWithArm64(r) : undefined);
const artifactProvides = (a: ArtifactReport): Known => (a.arches.arm64 === 'error' ? undefined : a.arches.arm64 === 'present');

/** "yes", "no", "no (k/n)" when only k of n items have it, "unknown" when only unchecked items could spoil a yes. */
function cell(states: Known[]): string {
  const yes = states.filter((s) => s === true).length;
  if (yes === states.length) return 'yes';
  if (!states.includes(false)) return 'unknown';
  return yes === 0 ? 'no' : `no (${yes}/${states.length})`;
}

function intersect(lists: string[][]): string[] {
  const [first, ...rest] = lists;
  return (first ?? []).filter((p) => rest.every((l) => l.includes(p)));
}

function rowPlatforms(images: ImageReport[], artifacts: ArtifactReport[]): string[] {
  const lists = images.filter((r) => r.status === 'ok').map((r) => r.platforms);
  for (const a of artifacts) lists.push(Object.entries(a.arches).filter(([, s]) => s === 'present').map(([arch]) => `linux/${arch}`));
  const common = intersect(lists);
  if (!common.includes(ARM64) && images.length > 0 && images.every(offersArm64) && artifacts.length === 0) {
    common.push(`${ARM64} (alternate)`);
  }
  return common;
}

function row(component: string, image: string, build: Declared, images: ImageReport[], artifacts: ArtifactReport[]): SupportRow {
  const provided = [...images.map(imageProvides), ...artifacts.map(artifactProvides)];
  let providedCell = provided.length === 0 ? 'n/a' : cell(provided);
  if (images.length === 0 && artifacts.length > 0 && providedCell === 'no') providedCell = 'no release bins';
  return {
    component,
    image,
    build,
    provided: providedCell,
    multiArch: images.length === 0 ? 'no' : cell(images.map(imageMulti)),
    platforms: rowPlatforms(images, artifacts),
    images: images.map((r) => r.ref).sort(),
  };
}

/** Short name of a lone image: "docker.io/katadocker/kata-deploy:1.9.1" -> "kata-deploy". */
function shortName(ref: string): string {
  const repo = parseReference(ref).repository;
  return repo.slice(repo.lastIndexOf('/') + 1);
}

function componentRows(c: StackComponent, images: ImageReport[], artifacts: ArtifactReport[]): SupportRow[] {
  const groups = new Map<string, { build: Declared; refs: Set<string> }>();
  for (const image of c.images) {
    if (image.row === undefined) continue;
    const group = groups.get(image.row) ?? { build: image.build ?? c.build, refs: new Set<string>() };
    group.refs.add(image.ref);
    groups.set(image.row, group);
  }
  const rows: SupportRow[] = [];
  for (const [label, group] of groups) {
    rows.push(row(c.name, label, group.build, images.filter((r) => group.refs.has(r.ref)), []));
  }
  const rest = images.filter((r) => ![...groups.values()].some((g) => g.refs.has(r.ref)));
  if (rest.length > 0 || artifacts.length > 0 || rows.length === 0) {
    let label = rest.length === 0 ? 'n/a' : rest.length === 1 ? shortName(rest[0]!.ref) : 'all';
    if (rows.length > 0 && rest.length > 0) label = '(rest)';
    rows.push(row(c.name, label, c.build, rest, artifacts));
  }
  return rows;
}

export interface Matrix {
  components: ComponentReport[];
  rows: SupportRow[];
}

/**
 * Rollups and rows in stack order; images no component claims (`--image`, `--manifests`) get a
 * row each, sorted by reference, so a stack-less audit still has a table.
 */
export function buildMatrix(stack: Stack | undefined, images: ImageReport[], artifacts: Map<string, ArtifactReport[]>): Matrix {
  const components: ComponentReport[] = [];
  const rows: SupportRow[] = [];
  for (const c of stack?.components ?? []) {
    const own = images.filter((r) => r.components.includes(c.name));
    const files = artifacts.get(c.name) ?? [];
    components.push(componentReport(c, own, files));
    rows.push(...componentRows(c, own, files));
  }
  const orphans = images.filter((r) => r.components.length === 0).sort((a, b) => a.ref.localeCompare(b.ref));
  for (const r of orphans) rows.push(row(familiarName(parseReference(r.ref)), shortName(r.ref), 'unknown', [r], []));
  return { components, rows };
}
