/**
 * The corpus in test/fixtures/bad run through every command that reads each kind of file, as the
 * built CLI: one line naming the file (and field or line), exit 2, no stack trace, nothing written
 * (every file's mtime and size unchanged, no new file). Stack files that test/fixtures/stacks/bad
 * already covers through loadStack and audit are not repeated here; the read-only commands
 * (images, audit) report an unreadable manifest in "invalid" instead, by design, and are checked
 * for that at the end.
 */
import { cpSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { cli, snapshot, workdir } from './support.js';

const BAD = join(import.meta.dirname, '..', 'fixtures', 'bad');
const D = (c: string): string => `sha256:${c.repeat(64)}`;
const NGINX = 'docker.io/library/nginx:1.25';
/** Port 1 refuses connections: a command that got that far would report a network error, not exit 2. */
const NOWHERE = '127.0.0.1:1';

/** A small valid project; each case replaces one of its files with a bad one. */
function project(): string {
  const dir = workdir('bad');
  mkdirSync(join(dir, 'manifests', 'web'), { recursive: true });
  writeFileSync(join(dir, 'stack.yaml'), 'components:\n  - name: web\n    manifests: [manifests/web]\n');
  writeFileSync(join(dir, 'manifests', 'web', 'web.yaml'),
    `apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: ${NGINX}\n`);
  writeFileSync(join(dir, 'mirror.lock.json'), `${JSON.stringify({
    registry: NOWHERE,
    images: [{ source: NGINX, sourceDigest: D('a'), target: `${NOWHERE}/${NGINX}`, digest: D('a'), platforms: { 'linux/amd64': { digest: D('b'), from: 'upstream' } } }],
  }, null, 2)}\n`);
  writeFileSync(join(dir, 'new.json'), '{"images": [], "components": []}\n');
  return dir;
}

const INSTALL = ['install', '--dry-run', '--stack', 'stack.yaml', '--root', 'node', '--kubeconfig', 'node/kubeconfig', '--kubernetes-version', 'v1.31.2'];
const COMMANDS = {
  images: ['images', '--stack', 'stack.yaml'],
  audit: ['audit', '--stack', 'stack.yaml', '--output', 'report.json', '--matrix', 'matrix.json', '--upstream', `docker.io=http://${NOWHERE}`],
  mirror: ['mirror', '--registry', NOWHERE, '--stack', 'stack.yaml', '--upstream', `docker.io=http://${NOWHERE}`],
  rewrite: ['rewrite', '--manifests', 'manifests', '--out', 'out'],
  install: INSTALL,
  diff: ['diff', 'old.json', 'new.json'],
};
type CommandName = keyof typeof COMMANDS;

interface BadCase {
  /** Under test/fixtures/bad. */
  fixture: string;
  /** Where it goes in the project (a folder fixture is copied into this folder). */
  as: string;
  commands: CommandName[];
  /** What follows "error: " on the one line. */
  message: RegExp;
}

const STACK_COMMANDS: CommandName[] = ['images', 'audit', 'mirror', 'install'];
const MANIFEST_COMMANDS: CommandName[] = ['mirror', 'rewrite', 'install'];
const LOCK_COMMANDS: CommandName[] = ['mirror', 'rewrite', 'install'];
const WEB = 'manifests/web/web.yaml';
const LOCK = 'mirror.lock.json';
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The file name as the user wrote it or as an absolute path (install names files it resolved). */
const named = (file: string, rest: string): RegExp => new RegExp(`^(\\S*/)?${esc(file)}${rest}$`);

const CASES: BadCase[] = [
  { fixture: 'stack/alias-bomb.yaml', as: 'stack.yaml', commands: STACK_COMMANDS, message: named('stack.yaml', ': invalid YAML: Excessive alias count indicates a resource exhaustion attack') },
  { fixture: 'stack/deep-nesting.yaml', as: 'stack.yaml', commands: STACK_COMMANDS, message: named('stack.yaml', '(:1: invalid YAML: Maximum call stack size exceeded|: components\\[0\\]: expected a mapping)') },
  { fixture: 'stack/two-documents.yaml', as: 'stack.yaml', commands: STACK_COMMANDS, message: named('stack.yaml', ':4: invalid YAML: Source contains multiple documents.*') },
  { fixture: 'stack/null-component.yaml', as: 'stack.yaml', commands: STACK_COMMANDS, message: named('stack.yaml', ': components\\[0\\]: expected a mapping') },
  { fixture: 'stack/short-digest.yaml', as: 'stack.yaml', commands: STACK_COMMANDS, message: named('stack.yaml', ': components\\[0\\]\\.images\\[0\\]\\.ref: invalid image reference "docker\\.io/library/nginx@sha256:abc": invalid digest "sha256:abc"') },
  { fixture: 'stack/long-repository.yaml', as: 'stack.yaml', commands: STACK_COMMANDS, message: named('stack.yaml', ': components\\[0\\]\\.images\\[0\\]\\.ref: invalid image reference "docker\\.io/a{300}:1": repository name longer than 255 characters') },
  { fixture: 'stack/json-trailing-comma.yaml', as: 'stack.yaml', commands: STACK_COMMANDS, message: named('stack.yaml', ':\\d+: invalid YAML: .+') },
  { fixture: 'stack/not-text.yaml', as: 'stack.yaml', commands: STACK_COMMANDS, message: named('stack.yaml', '(:\\d+)?: (invalid YAML: .+|top level: expected a mapping)') },

  { fixture: 'manifest/unclosed-flow.yaml', as: WEB, commands: MANIFEST_COMMANDS, message: named(WEB, ':4: invalid YAML: Flow map in block collection must be sufficiently indented and end with a }') },
  { fixture: 'manifest/tab-indent.yaml', as: WEB, commands: MANIFEST_COMMANDS, message: named(WEB, ':4: invalid YAML: .*[Tt]ab.*') },
  // Discovery and rewrite read past a duplicate key on purpose (both values are reported); install must not guess.
  { fixture: 'manifest/duplicate-key.yaml', as: WEB, commands: ['install'], message: named(WEB, ':9: invalid YAML: Map keys must be unique') },
  { fixture: 'manifest/deep-nesting.yaml', as: WEB, commands: MANIFEST_COMMANDS, message: named(WEB, ':\\d+: invalid YAML: Maximum call stack size exceeded') },
  { fixture: 'manifest/second-document-broken.yaml', as: WEB, commands: MANIFEST_COMMANDS, message: named(WEB, ':1[45]: invalid YAML: .+') },
  // Discovery and rewrite never expand aliases; install turns files into plain values and must refuse.
  { fixture: 'manifest/alias-bomb.yaml', as: WEB, commands: ['install'], message: named(WEB, ': invalid YAML: Excessive alias count indicates a resource exhaustion attack') },
  { fixture: 'manifest/kustomization-alias-bomb', as: 'manifests/web', commands: ['mirror', 'install'], message: named('manifests/web/kustomization.yaml', ': invalid YAML: Excessive alias count indicates a resource exhaustion attack') },

  { fixture: 'lock/not-json.json', as: LOCK, commands: LOCK_COMMANDS, message: named(LOCK, ': not valid JSON \\(.+\\)') },
  { fixture: 'lock/empty.json', as: LOCK, commands: LOCK_COMMANDS, message: named(LOCK, ': not valid JSON \\(.+\\)') },
  { fixture: 'lock/null.json', as: LOCK, commands: LOCK_COMMANDS, message: named(LOCK, ': not a lock file \\(expected a JSON object\\)') },
  { fixture: 'lock/array.json', as: LOCK, commands: LOCK_COMMANDS, message: named(LOCK, ': not a lock file \\(expected a JSON object\\)') },
  { fixture: 'lock/no-registry.json', as: LOCK, commands: LOCK_COMMANDS, message: named(LOCK, ': registry: must be a registry host') },
  { fixture: 'lock/images-not-list.json', as: LOCK, commands: LOCK_COMMANDS, message: named(LOCK, ': images: must be a list') },
  { fixture: 'lock/entry-null.json', as: LOCK, commands: LOCK_COMMANDS, message: named(LOCK, ': images\\[0\\]: must be an object') },
  { fixture: 'lock/entry-no-target.json', as: LOCK, commands: LOCK_COMMANDS, message: named(LOCK, ': images\\[0\\]\\.target: must be an image reference') },
  { fixture: 'lock/source-uppercase.json', as: LOCK, commands: LOCK_COMMANDS, message: named(LOCK, ': images\\[0\\]\\.source: must be an image reference') },
  { fixture: 'lock/short-digest.json', as: LOCK, commands: LOCK_COMMANDS, message: named(LOCK, ': images\\[0\\]\\.digest: must be a sha256 digest') },
  { fixture: 'lock/platforms-list.json', as: LOCK, commands: LOCK_COMMANDS, message: named(LOCK, ': images\\[0\\]\\.platforms: must be an object') },
  { fixture: 'lock/platform-no-from.json', as: LOCK, commands: LOCK_COMMANDS, message: named(LOCK, ': images\\[0\\]\\.platforms\\["linux/arm64"\\]\\.from: must say where the platform came from') },

  { fixture: 'audit/not-json.json', as: 'old.json', commands: ['diff'], message: named('old.json', ': not valid JSON \\(.+\\)') },
  { fixture: 'audit/array.json', as: 'old.json', commands: ['diff'], message: named('old.json', ': not an audit report \\(expected a JSON object with images and components\\)') },
  { fixture: 'audit/images-not-list.json', as: 'old.json', commands: ['diff'], message: named('old.json', ': images: must be a list') },
  { fixture: 'audit/image-null.json', as: 'old.json', commands: ['diff'], message: named('old.json', ': images\\[0\\]: must be an object') },
];

/** Every fixture file is in the table, so a new one cannot be forgotten. */
function fixtures(): string[] {
  return readdirSync(BAD, { withFileTypes: true }).flatMap((kind) =>
    readdirSync(join(BAD, kind.name)).map((f) => `${kind.name}/${f}`)).sort();
}

describe('bad input: one line naming the file, exit 2, nothing written', () => {
  test('the table covers the whole corpus', () => {
    expect(CASES.map((c) => c.fixture).sort()).toEqual(fixtures());
  });

  const runs = CASES.flatMap((c) => c.commands.map((command) => [c.fixture, command, c] as const));
  test.each(runs)('%s through %s', async (_fixture, command, c) => {
    const dir = project();
    cpSync(join(BAD, c.fixture), join(dir, c.as), { recursive: true });
    const before = snapshot(dir);
    const args = command === 'install' || command === 'rewrite' ? [...COMMANDS[command], '--lock', LOCK] : COMMANDS[command];
    const r = await cli(args, { cwd: dir });
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: '' });
    const lines = r.stderr.replace(/\n$/, '').split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.startsWith('error: ')).toBe(true);
    expect(lines[0]!.slice('error: '.length)).toMatch(c.message);
    // .no-docker-config is the empty folder the test harness gives every run.
    expect(snapshot(dir).filter((f) => !f.path.startsWith('.no-docker-config'))).toEqual(before);
  });
});

describe('read-only commands report an unreadable manifest and go on', () => {
  test.each(['unclosed-flow', 'tab-indent', 'deep-nesting'])('manifest/%s.yaml: images and audit list it under invalid with file:line', async (name) => {
    const dir = project();
    cpSync(join(BAD, 'manifest', `${name}.yaml`), join(dir, 'manifests', 'web', 'broken.yaml'));
    const images = await cli(['images', '--manifests', 'manifests', '--json'], { cwd: dir });
    expect(images.code).toBe(0);
    const found = JSON.parse(images.stdout) as { images: Array<{ ref: string }>; invalid: Array<{ location: string; error: string }> };
    expect(found.images.map((i) => i.ref)).toEqual([NGINX]);
    expect(found.invalid).toHaveLength(1);
    expect(found.invalid[0]!.location).toMatch(/^manifests\/web\/broken\.yaml:\d+$/);
    expect(found.invalid[0]!.error).toMatch(/^invalid YAML: /);
    const strict = await cli(['audit', '--manifests', 'manifests', '--strict', '--json', '--upstream', `docker.io=http://${NOWHERE}`], { cwd: dir });
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain(`strict: ${found.invalid[0]!.location}: invalid YAML: `);
  });
});
