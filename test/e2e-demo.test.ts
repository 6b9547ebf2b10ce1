/**
 * The demo end to end: real registries standing in for the 2020 upstreams, seeded by skopeo, and
 * the built CLI auditing images/stack-2020.yaml. Its measurable columns must equal the support
 * table the original project kept by hand, row by row.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot, startDemoWorld, type DemoWorld } from '../scripts/demo-world.js';

const run = promisify(execFile);
const ROOT = projectRoot(import.meta.dirname);
const CLI = join(ROOT, 'dist', 'cli', 'index.js');
const SHARED_SEED = join(ROOT, '..', 'shared', 'seed', 'k8s-on-ampere-README.md');
const FIXTURE_SEED = join(ROOT, 'test', 'fixtures', 'seed', 'support-table.md');

interface SeedRow { component: string; image: string; build: string; provided: string; multiArch: string }
interface Row { component: string; image: string; build: string; provided: string; multiArch: string; platforms: string[] }

/** The hand-kept table: the markdown table whose header starts "component | container image". */
function seedTable(text: string): SeedRow[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^\|\s*component\s*\|\s*container image/.test(l));
  const rows: SeedRow[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const [component = '', image = '', build = '', provided = '', multiArch = ''] = line.split('|').slice(1, -1).map((c) => c.trim());
    rows.push({ component, image, build, provided, multiArch });
  }
  return rows;
}

/** "no (7/9)" reads as "no" in the original's yes/no vocabulary. */
const word = (cell: string): string => cell.replace(/ \(\d+\/\d+\)$/, '');

async function cli(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [CLI, ...args], { cwd: ROOT, maxBuffer: 1 << 24 });
}

describe('demo: the 2020 stack against stand-in registries', () => {
  let world: DemoWorld;
  let rows: Row[];
  const seedSource = existsSync(SHARED_SEED) ? SHARED_SEED : FIXTURE_SEED;
  const expected = seedTable(readFileSync(seedSource, 'utf8'));

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
    world = await startDemoWorld();
    const { stdout } = await cli(['audit', '--stack', 'images/stack-2020.yaml', '--json', ...world.upstreamArgs]);
    rows = JSON.parse(stdout).rows;
  }, 600_000);
  afterAll(async () => world?.stop());

  it('reads the seed table', () => {
    expect(expected.map((r) => r.component)).toEqual([
      'CNI-canal', 'core-metrics', 'dashboard', 'EFK', 'EFK', 'EFK', 'prometheus', 'prometheus',
      'rook', 'kata', 'gvisor', 'ingres (nginx)', 'metallb',
    ]);
  });

  it.skipIf(!existsSync(SHARED_SEED))('keeps a faithful copy of the seed table for clones without ../shared', () => {
    expect(seedTable(readFileSync(FIXTURE_SEED, 'utf8'))).toEqual(seedTable(readFileSync(SHARED_SEED, 'utf8')));
  });

  it('has one generated row per seed row, in the same order', () => {
    expect(rows.map((r) => r.component)).toEqual(expected.map((r) => r.component));
  });

  it.each(expected.map((r, i) => [`${r.component} / ${r.image || '-'}`, i] as const))(
    '%s: provided, multi-arch and build equal the seed table', (_label, i) => {
      const want = expected[i]!;
      const got = rows[i]!;
      // Image groups must line up where the seed splits a component.
      if (expected.filter((r) => r.component === want.component).length > 1) expect(got.image).toBe(want.image);
      // A blank seed cell (dashboard) states nothing to compare against.
      if (want.provided) expect(word(got.provided)).toBe(want.provided);
      if (want.multiArch) expect(word(got.multiArch)).toBe(want.multiArch);
      if (want.build) expect(got.build).toBe(want.build);
    },
  );

  it('--format markdown carries the same support table', async () => {
    const { stdout } = await cli(['audit', '--stack', 'images/stack-2020.yaml', '--format', 'markdown', ...world.upstreamArgs]);
    const table = seedTable(stdout);
    expect(table.map((r) => [r.component, r.image, r.build, r.provided, r.multiArch]))
      .toEqual(rows.map((r) => [r.component, r.image, r.build, r.provided, r.multiArch]));
  });

  it('--update-readme fills the block and a second run changes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ampere-demo-readme-'));
    const readme = join(dir, 'README.md');
    writeFileSync(readme, '# Stack\n\n<!-- ampere-images:matrix:start -->\nstale\n<!-- ampere-images:matrix:end -->\n\nafter\n');
    const args = ['audit', '--stack', 'images/stack-2020.yaml', ...world.upstreamArgs, '--update-readme', readme, '--quiet'];
    await cli(args);
    const first = readFileSync(readme, 'utf8');
    const matrix = readFileSync(join(dir, 'matrix', 'support.json'), 'utf8');
    expect(first).not.toContain('stale');
    expect(first.endsWith('<!-- ampere-images:matrix:end -->\n\nafter\n')).toBe(true);
    expect(seedTable(first)).toHaveLength(expected.length);
    expect(JSON.parse(matrix).rows).toEqual(rows);
    await cli(args);
    expect(readFileSync(readme, 'utf8')).toBe(first);
    expect(readFileSync(join(dir, 'matrix', 'support.json'), 'utf8')).toBe(matrix);
  });
});
