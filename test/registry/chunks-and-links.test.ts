import { expect, test } from 'vitest';
import { nextLink } from '../../src/registry/tags.js';
import { rechunk } from '../../src/registry/uploads.js';

async function sizes(pieces: number[], size: number): Promise<{ sizes: number[]; bytes: number[] }> {
  let n = 0;
  const source = (async function* () {
    for (const p of pieces) yield new Uint8Array(Array.from({ length: p }, () => n++ % 251));
  })();
  const out: Uint8Array[] = [];
  for await (const c of rechunk(source, size)) out.push(c);
  return { sizes: out.map((c) => c.byteLength), bytes: out.flatMap((c) => [...c]) };
}

test.each([
  [[10], 4, [4, 4, 2]],
  [[3, 3, 3], 4, [4, 4, 1]],
  [[4, 4], 4, [4, 4]],
  [[1, 1, 1, 1, 1], 2, [2, 2, 1]],
  [[9], 100, [9]],
  [[], 4, []],
])('rechunk(%j, %i) gives %j, bytes in order', async (pieces, size, expected) => {
  const r = await sizes(pieces, size);
  expect(r.sizes).toEqual(expected);
  expect(r.bytes).toEqual(Array.from({ length: pieces.reduce((a, b) => a + b, 0) }, (_, i) => i % 251));
});

test.each([
  ['</v2/x/tags/list?last=b&n=2>; rel="next"', '/v2/x/tags/list?last=b&n=2'],
  ['<https://r.example/v2/x/tags/list?last=b>; rel=next', 'https://r.example/v2/x/tags/list?last=b'],
  ['</a>; rel="prev", </b>; rel="next"', '/b'],
  ['</a>; rel="nextish"', undefined],
  ['</a>; rel="prev"', undefined],
  [undefined, undefined],
])('nextLink(%j) = %j', (link, expected) => {
  expect(nextLink(link)).toBe(expected);
});
