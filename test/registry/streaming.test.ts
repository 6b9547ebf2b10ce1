/** Memory stays flat while a large blob streams through the client (pull and push). */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { ImageManifest } from '../../src/manifest.js';
import { createRegistry } from '../../src/registry/client.js';
import { anonymous } from '../../src/registry/credentials.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { seed } from '../support/seed.js';

const SIZE = 128 * 1024 * 1024;
let reg: RunningRegistry;

beforeAll(async () => {
  reg = await startRegistry();
  await seed(reg.host, [{ name: 'big/blob:1', platforms: ['linux/arm64'], single: true, layers: () => [{ key: 'big', size: SIZE, plain: true }] }]);
}, 120_000);
afterAll(async () => reg?.stop());

/** Heap plus Buffers: what a client that held the blob would grow by. */
const used = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

test('a 128 MiB layer is pulled and pushed with flat memory', async () => {
  const c = createRegistry({ credentials: anonymous });
  const src = { registry: reg.host, repository: 'big/blob' };
  const layer = ((await c.getManifest(src, '1')).manifest as ImageManifest).layers[0]!;
  expect(layer.size).toBeGreaterThan(SIZE);
  const base = used();
  let peak = 0;
  const hash = createHash('sha256');
  let bytes = 0;
  // Pull to a hash, then push a copy straight from a second pull: neither holds the blob.
  for await (const chunk of await c.openBlob(src, layer)) {
    hash.update(chunk);
    bytes += chunk.byteLength;
    peak = Math.max(peak, used() - base);
  }
  expect(`sha256:${hash.digest('hex')}`).toBe(layer.digest);
  expect(bytes).toBe(layer.size);
  await c.pushBlob({ registry: reg.host, repository: 'big/copy' }, layer, () => (async function* () {
    for await (const chunk of await c.openBlob(src, layer)) {
      peak = Math.max(peak, used() - base);
      yield chunk;
    }
  })());
  expect(await c.hasBlob({ registry: reg.host, repository: 'big/copy' }, layer.digest)).toBe(true);
  console.log(`streamed ${(2 * layer.size / 2 ** 20).toFixed(0)} MiB, peak growth ${(peak / 2 ** 20).toFixed(1)} MiB, ${c.stats.requests} requests`);
  // Garbage collection is lazy (about 36 MiB whatever the blob size, measured for 16 to 128 MiB), so allow slack, but far below one copy of the blob.
  expect(peak).toBeLessThan(SIZE / 2);
  await c.close();
}, 120_000);
