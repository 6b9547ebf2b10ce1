import { parseAllDocuments, parseDocument } from 'yaml';
import { describe, expect, test } from 'vitest';
import { InputError } from '../src/errors.js';
import { yamlInputError, yamlReason, yamlValue } from '../src/yaml-errors.js';

describe('yamlInputError: one line naming file and line, without the parser\'s suffix and code frame', () => {
  test.each([
    ['a: [1\nb: 2\n', 'x.yaml:2: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]'],
    ['a: 1\na: 2\n', 'x.yaml:2: invalid YAML: Map keys must be unique'],
    ['a:\n\t- b\n', /^x\.yaml:2: invalid YAML: [^\n]*[Tt]ab[^\n]*[^:\n]$/],
  ])('%j', (text, expected) => {
    const err = yamlInputError('x.yaml', parseDocument(text, { uniqueKeys: true }).errors[0]!);
    expect(err).toBeInstanceOf(InputError);
    if (typeof expected === 'string') expect(err.message).toBe(expected);
    else expect(err.message).toMatch(expected);
  });

  test('the reason alone keeps the first line, without the position', () => {
    expect(yamlReason('Implicit keys need to be on a single line at line 11, column 1:\n\n  x\n  ^\n')).toBe('Implicit keys need to be on a single line');
    expect(yamlReason('Unexpected end at line 3, column 7')).toBe('Unexpected end');
  });
});

test('yamlValue: a billion-laughs document is bad input naming the file, a normal one is plain values', () => {
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdefghi'[i]}`).join(', ')}]`)].join('\n');
  expect(() => yamlValue(parseAllDocuments(bomb)[0]!, 'big.yaml')).toThrow(/^big\.yaml: invalid YAML: Excessive alias count/);
  expect(yamlValue(parseDocument('a: [1, 2]'), 'ok.yaml')).toEqual({ a: [1, 2] });
});
