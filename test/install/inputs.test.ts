import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInputs, manifestsBases } from '../../src/install/inputs.js';

describe('where rewrite put the manifests', () => {
  it.each([
    [['manifests/canal', 'manifests/metrics-server'], ['manifests']],
    [['manifests/a.yaml', 'manifests/b.yaml'], ['manifests']],
    [['manifests'], ['', 'manifests']],
    [['deploy/app/app.yaml'], ['deploy/app', 'deploy/app/app.yaml']],
    [['a/x', 'b/y'], ['']],
  ])('%j -> %j', (paths, bases) => {
    expect(manifestsBases(paths)).toEqual(bases);
  });

  it('finds a single-folder stack rewritten as `rewrite --manifests manifests --out out`', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ampere-inputs-'));
    mkdirSync(join(dir, 'manifests'));
    mkdirSync(join(dir, 'out'));
    const deploy = 'apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  containers: [{name: app, image: "busybox:1.36"}]\n';
    writeFileSync(join(dir, 'manifests', 'app.yaml'), deploy);
    writeFileSync(join(dir, 'out', 'app.yaml'), deploy.replace('busybox:1.36', '127.0.0.1:5000/docker.io/library/busybox:1.36'));
    writeFileSync(join(dir, 'stack.yaml'), 'components:\n  - name: app\n    manifests: [manifests]\n    build: yes\n');
    writeFileSync(join(dir, 'mirror.lock.json'), JSON.stringify({ registry: '127.0.0.1:5000', images: [] }));
    const inputs = await loadInputs({ cwd: dir, lock: join(dir, 'mirror.lock.json'), stack: join(dir, 'stack.yaml'), manifests: 'out' });
    expect(inputs.components.find((c) => c.name === 'app')?.units.map((u) => u.path)).toEqual(['out']);
    await expect(loadInputs({ cwd: dir, lock: join(dir, 'mirror.lock.json'), stack: join(dir, 'stack.yaml'), manifests: 'nowhere' }))
      .rejects.toThrow('--manifests nowhere: component app: no rewritten copy of manifests at nowhere');
  });
});
