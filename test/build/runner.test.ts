import { describe, expect, it } from 'vitest';
import { createRunner } from '../../src/build/runner.js';

describe('createRunner', () => {
  it('streams every line and keeps the last 30, stdout and stderr together', async () => {
    const seen: string[] = [];
    const run = createRunner();
    const result = await run(['sh', '-c', 'for i in $(seq 1 40); do echo "out $i"; done; echo "err last" >&2; exit 4'], { onLine: (l) => seen.push(l) });
    expect(result.code).toBe(4);
    expect(seen).toHaveLength(41);
    expect(result.tail).toHaveLength(30);
    expect(result.tail[0]).toBe('out 12');
    expect(result.tail.at(-1)).toBe('err last');
  });

  it('splits on carriage returns and keeps a last line without newline', async () => {
    const result = await createRunner({ tailLines: 5 })(['printf', 'a\\rb\\r\\nc']);
    expect(result).toEqual({ code: 0, tail: ['a', 'b', 'c'] });
  });

  it('passes argv without a shell', async () => {
    const result = await createRunner()(['echo', '$HOME; rm -rf /', '`id`']);
    expect(result.tail).toEqual(['$HOME; rm -rf / `id`']);
  });

  it('adds per-process variables to the environment', async () => {
    const run = createRunner({ env: { PATH: process.env.PATH ?? '', KEPT: 'yes' } });
    const result = await run(['sh', '-c', 'echo "$KEPT $GIT_TERMINAL_PROMPT"'], { env: { GIT_TERMINAL_PROMPT: '0' } });
    expect(result.tail).toEqual(['yes 0']);
  });

  it('reports a missing program as 127', async () => {
    const result = await createRunner({ env: { PATH: '/nonexistent' } })(['buildah', '--version']);
    expect(result).toEqual({ code: 127, tail: ['buildah: command not found'] });
  });

  it('kills a process that outlives its timeout', async () => {
    const started = Date.now();
    const result = await createRunner()(['sleep', '20'], { timeoutMs: 200 });
    expect(result.code).toBe(124);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
