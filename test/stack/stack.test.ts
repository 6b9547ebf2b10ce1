import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { loadStack } from '../../src/stack.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'stacks');
const BAD = join(FIXTURES, 'bad');
const rel = (p: string): string => relative(process.cwd(), p);

describe('loadStack', () => {
  it('reads a valid catalog into canonical plain values', async () => {
    const file = rel(join(FIXTURES, 'good', 'stack.yaml'));
    const stack = await loadStack(file);
    expect(stack.file).toBe(file);
    expect(stack.root).toBe(join(FIXTURES, 'good'));
    expect(stack.components).toEqual([
      {
        name: 'web', manifests: ['manifests/web'], build: 'yes', artifacts: [],
        images: [
          { ref: 'quay.io/example/web:1.0', row: 'frontend', arm64: { from: 'docker.io/example/web-arm64:1.0' } },
          { ref: 'docker.io/example/worker:2', build: 'no', arm64: { build: {
            context: 'images/worker', dockerfile: 'Dockerfile.arm64', args: { VERSION: '2' }, platforms: ['linux/arm64'], target: 'final',
          } } },
        ],
      },
      { name: 'storage', manifests: [], build: 'unknown', install: 'rook', artifacts: [],
        images: [{ ref: 'quay.io/cephcsi/cephcsi:v3.9.0', runtime: true }] },
      { name: 'sandbox', manifests: [], build: 'yes', images: [],
        artifacts: [{ url: 'https://storage.example.org/releases/{uname}/runsc' }] },
    ]);
  });

  it('names the file when it cannot be read', async () => {
    await expect(loadStack('no/such/stack.yaml')).rejects.toThrow('no/such/stack.yaml: cannot read stack file (ENOENT)');
  });

  const cases = readdirSync(BAD).filter((f) => f.endsWith('.yaml')).sort();
  it('has a corpus of malformed stack files', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  it.each(cases)('rejects bad/%s with one line naming file and field', async (name) => {
    const file = rel(join(BAD, name));
    const header = readFileSync(join(BAD, name), 'utf8').split('\n')[0]!;
    const err = await loadStack(file).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    const exact = /^# expect: (.*)$/.exec(header);
    const line = /^# expect-line: (.*)$/.exec(header);
    if (exact) expect(message).toBe(`${file}: ${exact[1]}`);
    else if (line) expect(message.startsWith(`${file}:${line[1]}`)).toBe(true);
    else throw new Error(`${name}: first line must say what error to expect`);
  });
});
