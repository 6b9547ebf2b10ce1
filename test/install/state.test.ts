import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { readState, stepHashes, writeState } from '../../src/install/state.js';
import type { Step } from '../../src/install/steps.js';

const run = (id: string, component: string, argv: string[]): Step => ({ id, component, title: id, kind: 'run', argv });
const steps: Step[] = [
  { id: 'preflight:swap', component: 'preflight', title: 'swap', kind: 'check', check: { type: 'swap', file: '/proc/swaps' } },
  run('a:1', 'a', ['kubectl', 'apply', '-f', 'a.yaml']),
  run('a:2', 'a', ['kubectl', 'rollout', 'status', 'deployment/a']),
  run('b:1', 'b', ['kubectl', 'apply', '-f', 'b.yaml']),
];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ampere-state-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('step hashes', () => {
  it('never records checks, and chains within a component only', () => {
    const before = stepHashes(steps);
    expect(before.has('preflight:swap')).toBe(false);
    const changed = stepHashes(steps.map((s) => (s.id === 'a:1' ? run('a:1', 'a', ['kubectl', 'apply', '-f', 'a2.yaml']) : s)));
    expect(changed.get('a:1')).not.toBe(before.get('a:1'));
    expect(changed.get('a:2')).not.toBe(before.get('a:2'));
    expect(changed.get('b:1')).toBe(before.get('b:1'));
  });

  it('ignores a wait\'s timeout but not its command', () => {
    const wait = (argv: string[], timeoutSeconds: number): Step[] => [{ id: 'w', component: 'c', title: 'w', kind: 'wait', argv, timeoutSeconds, failure: 'x' }];
    const h = (argv: string[], t: number): string | undefined => stepHashes(wait(argv, t)).get('w');
    expect(h(['kubectl', 'wait', '--timeout=60s'], 600)).toBe(h(['kubectl', 'wait', '--timeout=30s'], 30));
    expect(h(['kubectl', 'wait', 'x'], 600)).not.toBe(h(['kubectl', 'wait', 'y'], 600));
  });
});

describe('state file', () => {
  it('starts empty when absent and round-trips', async () => {
    const file = join(dir, 'sub', 'state.json');
    expect(await readState(file)).toEqual({ version: 1, steps: {} });
    await writeState(file, { version: 1, steps: { 'a:1': { hash: 'sha256:x', completedAt: '2024-01-01T00:00:00.000Z' } } });
    expect((await readState(file)).steps['a:1']?.hash).toBe('sha256:x');
  });

  it.each([
    ['{"version": 1, "steps": {', /not valid JSON/],
    ['{"version": 2, "steps": {}}', /not an install state file/],
    ['{"version": 1, "steps": {"a": {"hash": 3}}}', /steps\["a"\]\.hash: must be a string/],
  ])('refuses %s naming the file', async (text, message) => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, text);
    await expect(readState(file)).rejects.toThrow(InputError);
    await expect(readState(file)).rejects.toThrow(message);
    await expect(readState(file)).rejects.toThrow(file);
  });
});
