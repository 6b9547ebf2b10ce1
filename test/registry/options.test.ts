import { Command } from 'commander';
import { expect, test } from 'vitest';
import { addRegistryOptions, registryOptionsFrom } from '../../src/cli/registry-options.js';
import { InputError } from '../../src/errors.js';

function parse(args: string[]): Record<string, unknown> {
  const cmd = addRegistryOptions(new Command('x').option('--registry <HOST>').exitOverride());
  cmd.parse(args, { from: 'user' });
  return cmd.opts();
}

test('all flags', () => {
  const opts = registryOptionsFrom(parse([
    '--upstream', 'docker.io=http://127.0.0.1:5001', '--upstream', 'index.docker.io=http://127.0.0.1:5002',
    '--upstream', 'quay.io=https://cache.lan:8443/quay', '--plain-http', 'lan:5000', '--insecure', 'cache.lan:8443',
    '--concurrency', '4', '--timeout', '2.5',
  ]));
  expect(opts).toEqual({
    upstreams: { 'docker.io': 'http://127.0.0.1:5002', 'quay.io': 'https://cache.lan:8443/quay' },
    plainHttp: ['lan:5000'], insecure: ['cache.lan:8443'], concurrency: 4, timeoutMs: 2500,
  });
});

test('bare --plain-http means the target --registry', () => {
  expect(registryOptionsFrom(parse(['--registry', 'reg.lan:5000', '--plain-http'])).plainHttp).toEqual(['reg.lan:5000']);
  expect(registryOptionsFrom(parse(['--plain-http', '--registry', 'reg.lan:5000', '--plain-http', 'b.lan'])).plainHttp).toEqual(['reg.lan:5000', 'b.lan']);
  expect(() => registryOptionsFrom(parse(['--plain-http']))).toThrow(new InputError('--plain-http without a HOST needs --registry'));
});

test.each([
  [['--upstream', 'docker.io'], '--upstream "docker.io": expected HOST=http(s)://HOST[:PORT]'],
  [['--upstream', '=http://x'], '--upstream "=http://x": expected HOST=http(s)://HOST[:PORT]'],
  [['--upstream', 'docker.io=ftp://x'], '--upstream "docker.io=ftp://x": expected HOST=http(s)://HOST[:PORT]'],
  [['--upstream', 'docker.io=127.0.0.1:5000'], '--upstream "docker.io=127.0.0.1:5000": expected HOST=http(s)://HOST[:PORT]'],
  [['--insecure', 'http://x'], '--insecure "http://x": expected HOST[:PORT]'],
  [['--concurrency', '0'], '--concurrency "0": expected a positive whole number'],
  [['--concurrency', '2.5'], '--concurrency "2.5": expected a positive whole number'],
  [['--timeout', 'soon'], '--timeout "soon": expected a positive number'],
])('%j is an InputError naming the flag', (args, message) => {
  expect(() => registryOptionsFrom(parse(args))).toThrow(new InputError(message));
});
