/**
 * Property tests (fast-check) for manifest discovery, the pure part (parse -> candidates ->
 * summary), beyond those of test/manifests/property.test.ts (random YAML never crashes it, every
 * reference returned parses): YAML token soup and binary text are one InputError naming the file
 * and line, never another error; and no image field is lost: each value ends up in `images`, in
 * canonical form, or in `invalid`. The reference parser's properties live in test/reference.test.ts.
 */
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, test } from 'vitest';
import { InputError } from '../../src/errors.js';
import { findCandidates } from '../../src/manifests/candidates.js';
import { summarize, type Discovery } from '../../src/manifests/discovery.js';
import { parseManifest } from '../../src/manifests/files.js';
import { formatReference, parseReference } from '../../src/reference.js';

const RUNS = { numRuns: 300 };

/** What `discoverImages` does for one file, without the file system. */
function discover(text: string): Discovery {
  const file = parseManifest('x.yaml', text);
  const hits = file.docs.flatMap((doc, i) => findCandidates(doc, i)).map((candidate) => ({ file, candidate, written: candidate.value, kustomized: false }));
  return summarize(hits);
}

/** Discovery or the InputError a broken file is; anything else thrown fails the property. */
function discoverOrRefuse(text: string): Discovery | undefined {
  try {
    return discover(text);
  } catch (err) {
    if (err instanceof InputError && /^x\.yaml:\d+: invalid YAML: /.test(err.message) && !err.message.includes('\n')) return undefined;
    throw err;
  }
}

/** YAML punctuation and words discovery cares about, glued at random: syntax a fuzzer reaches. */
const yamlSoup = fc.array(fc.constantFrom(
  '-', ' ', '  ', '\n', ':', ': ', '{', '}', '[', ']', ',', '&a', '*a', '&b ', '*b', '!!str', '!!binary', '|', '>-', '---\n', '...\n',
  '#', '"', "'", '?', '%YAML 1.2\n', 'image', 'image: ', 'containers:', 'kind: Pod', 'kind: List', 'items:', 'spec:', 'value:',
  'baseImage:', 'version:', 'args:', '--image=', 'quay.io/x:1', 'nginx', 'Team/App:1', '\t', '\\u0000', 'apiVersion: v1',
), { maxLength: 60 }).map((parts) => parts.join(''));

const refish = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.tuple(
    fc.constantFrom('', 'quay.io/', 'localhost:5000/', 'docker.io/', 'Registry.example:443/', 'ghcr.io/'),
    fc.stringMatching(/^[a-zA-Z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+)?$/),
    fc.constantFrom('', ':1', ':v1.2-rc_3', ':', '@sha256:abc', `@sha256:${'a'.repeat(64)}`, `:x@sha256:${'b'.repeat(64)}`),
  ).map(([host, name, suffix]) => `${host}${name}${suffix}`),
);

describe('discovery never crashes', () => {
  test('YAML token soup and binary text: a Discovery, or one InputError naming the file and line', () => {
    fc.assert(fc.property(fc.oneof(yamlSoup, fc.string({ unit: 'binary', maxLength: 100 })), (text) => {
      discoverOrRefuse(text);
    }), RUNS);
  });
});

describe('no image field is lost', () => {
  test('every container image is found (canonical) or reported invalid', () => {
    fc.assert(fc.property(fc.array(refish, { minLength: 1, maxLength: 5 }), (images) => {
      const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })) } };
      const found = discover(stringify(pod));
      const refs = new Set(found.images.map((i) => i.ref));
      const invalid = new Set(found.invalid.map((i) => i.value));
      // A blank field names nothing: it is neither an image nor a value that fails to be one.
      for (const image of images.filter((v) => v.trim() !== '')) {
        let canonical: string | undefined;
        try {
          canonical = formatReference(parseReference(image));
        } catch {
          canonical = undefined;
        }
        if (canonical !== undefined) expect(refs.has(canonical), image).toBe(true);
        else expect(invalid.has(image), image).toBe(true);
      }
      expect(found.images.length).toBeLessThanOrEqual(images.length);
    }), RUNS);
  });
});
