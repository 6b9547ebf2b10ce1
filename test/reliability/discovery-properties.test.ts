/**
 * Property tests (fast-check) for manifest discovery, the pure part (parse -> candidates ->
 * summary): random text and random YAML documents never crash it (a file that does not parse is
 * one InputError naming it); every reference it returns parses and is canonical; and no image
 * field is lost: each value ends up in `images` (canonical) or in `invalid`. The reference parser's
 * own properties live in test/reference.test.ts.
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

function parses(ref: string): boolean {
  try {
    return formatReference(parseReference(ref)) === ref;
  } catch {
    return false;
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

/** Kubernetes-like trees: keys discovery looks at, values that may or may not be images. */
const KEYS = ['image', 'images', 'containers', 'initContainers', 'env', 'name', 'value', 'args', 'spec', 'template', 'kind', 'data', 'items', 'metadata', 'baseImage', 'version', 'newName', 'newTag'];
const tree = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, refish, fc.integer(), fc.boolean(), fc.constant(null), tie('list'), tie('map')),
  list: fc.array(tie('node'), { maxLength: 4 }),
  map: fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 8 })), tie('node'), { maxKeys: 5 }),
})).node;

describe('discovery never crashes', () => {
  test('random text: a Discovery, or one InputError naming the file and line', () => {
    fc.assert(fc.property(fc.oneof(yamlSoup, fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 100 })), (text) => {
      discoverOrRefuse(text);
    }), RUNS);
  });

  test('random YAML documents: every reference returned parses and is canonical', () => {
    fc.assert(fc.property(fc.array(tree, { minLength: 1, maxLength: 3 }), (docs) => {
      const text = docs.map((d) => stringify(d)).join('---\n');
      const found = discover(text);
      for (const image of found.images) expect(parses(image.ref), image.ref).toBe(true);
      for (const bad of found.invalid) expect(bad.error).not.toBe('');
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
