/**
 * A Docker schema 1 source (a real registry no longer serves one, so a scripted server does) is
 * refused with a clear error naming the format, and nothing lands in the real target registry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { client, mirror } from './support.js';

const SCHEMA1 = JSON.stringify({ schemaVersion: 1, name: 'old/app', tag: '1', architecture: 'arm64', fsLayers: [], history: [] });

describe('mirror of a schema 1 source', () => {
  let source: ScriptedServer;
  let target: RunningRegistry;
  beforeAll(async () => {
    source = await startScriptedServer([{
      method: 'GET', path: /\/v2\/old\/app\/manifests\/1$/, times: Infinity,
      reply: { status: 200, headers: { 'content-type': 'application/vnd.docker.distribution.manifest.v1+prettyjws' }, body: SCHEMA1 },
    }, { method: 'GET', path: '/v2/', times: Infinity, reply: { status: 200, body: '{}' } }]);
    target = await startRegistry();
  }, 60_000);
  afterAll(async () => {
    await source?.stop();
    await target?.stop();
  });

  it('fails the image naming schema 1, and writes nothing to the target', async () => {
    const reg = client({ 'legacy.example': source.url });
    const run = await mirror(reg, target.host, [{ ref: 'legacy.example/old/app:1' }]);
    expect(run.images[0]).toMatchObject({ result: 'failed', digest: null });
    expect(run.images[0]!.error).toMatch(/schema 1.*cannot be mirrored/);
    expect(run.lock.images).toEqual([]);
    const tags = await fetch(`${target.url}/v2/legacy.example/old/app/tags/list`);
    expect(tags.status).toBe(404);
    await reg.close();
  });
});
