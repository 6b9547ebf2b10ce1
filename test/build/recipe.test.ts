import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveRecipe, validateRecipe } from '../../src/build/recipe.js';
import { InputError } from '../../src/errors.js';

const ROOT = resolve('test/fixtures/build');

describe('validateRecipe', () => {
  it('accepts every field', () => {
    expect(validateRecipe({
      context: 'images/x', dockerfile: 'build/Dockerfile', args: { VERSION: '1.2', DEBUG: 'false', NAME: 'x' },
      platforms: ['linux/arm64/v8', 'aarch64'], target: 'runtime',
    }, 'f')).toEqual({
      context: 'images/x', dockerfile: 'build/Dockerfile', args: { VERSION: '1.2', DEBUG: 'false', NAME: 'x' },
      platforms: ['linux/arm64', 'linux/arm64'], target: 'runtime',
    });
  });

  it.each([
    [[], 'f.yaml: a build recipe must be a mapping'],
    [{ contxt: 'x' }, 'f.yaml: unknown field "contxt" (expected context, dockerfile, args, platforms, target)'],
    [{ context: '' }, 'f.yaml: context must be a non-empty string'],
    [{ context: 3 }, 'f.yaml: context must be a non-empty string'],
    [{ dockerfile: '../Dockerfile' }, 'f.yaml: dockerfile "../Dockerfile" must be a relative path inside the context'],
    [{ args: ['A=1'] }, 'f.yaml: args must be a mapping of NAME: value'],
    [{ args: { 'BAD-NAME': '1' } }, 'f.yaml: args.BAD-NAME: not a valid build-arg name'],
    [{ args: { A: null } }, 'f.yaml: args.A: expected a string (quote numbers)'],
    [{ args: { VERSION: 1.1 } }, 'f.yaml: args.VERSION: expected a string (quote numbers)'],
    [{ platforms: 'linux/arm64' }, 'f.yaml: platforms must be a non-empty list such as [linux/arm64]'],
    [{ platforms: [] }, 'f.yaml: platforms must be a non-empty list such as [linux/arm64]'],
    [{ platforms: ['linux/'] }, 'f.yaml: platforms[0]: invalid platform "linux/" (expected os/arch[/variant])'],
    [{ platforms: [64] }, 'f.yaml: platforms[0]: must be a string'],
    [{ target: 'a b' }, 'f.yaml: target "a b" is not a valid stage name'],
  ])('%j', (value, message) => {
    expect(() => validateRecipe(value, 'f.yaml')).toThrow(new InputError(message));
  });
});

describe('resolveRecipe', () => {
  it('merges a folder recipe.yaml under the stack fields', async () => {
    const r = await resolveRecipe({ context: 'demo', args: { BASE: 'b:1', GREETING: 'stack wins' } }, ROOT);
    expect(r).toEqual({
      context: { kind: 'local', path: resolve(ROOT, 'demo') }, dockerfile: 'Dockerfile', dockerfileGiven: true,
      args: { GREETING: 'stack wins', BASE: 'b:1' }, platforms: ['linux/arm64'],
    });
  });

  it('reads target and args from recipe.yaml', async () => {
    const r = await resolveRecipe({ context: 'multi-stage' }, ROOT);
    expect([r.target, r.args, r.dockerfileGiven]).toEqual(['runtime', { VERSION: '1.2', DEBUG: 'false' }, false]);
  });

  it('lets a recipe folder name a git context', async () => {
    const r = await resolveRecipe({ context: 'remote-context' }, ROOT);
    expect(r.context).toEqual({
      kind: 'git', url: 'https://git.example.invalid/team/tool.git', ref: 'v1.2.0', subdir: 'build',
      source: 'https://git.example.invalid/team/tool.git#v1.2.0:build',
    });
    expect([r.dockerfile, r.target]).toEqual(['Dockerfile.arm64', 'runtime']);
  });

  it.each([
    [{ context: 'bad-yaml' }, /^bad-yaml\/recipe\.yaml:3: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a \]$/],
    [{ context: 'unknown-field' }, /^unknown-field\/recipe\.yaml: unknown field "build-args"/],
    [{ context: 'bad-args' }, /^bad-args\/recipe\.yaml: args\.VERSION: expected a string \(quote numbers\)$/],
    [{ context: 'no-dockerfile' }, /^arm64\.build: Dockerfile "Dockerfile.arm64" not found in no-dockerfile$/],
    [{ context: 'missing' }, /^arm64\.build: context folder "missing" does not exist$/],
    [{ context: 'demo', dockerfile: 'Nope' }, /^arm64\.build: Dockerfile "Nope" not found in demo$/],
    [{ context: 'demo', platforms: ['linux/arm64'], extra: 1 } as never, /^arm64\.build: unknown field "extra"/],
  ])('%j fails with a message naming file and field', async (recipe, message) => {
    const err = await resolveRecipe(recipe, ROOT).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(message);
  });
});
