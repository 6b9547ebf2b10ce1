import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import {
  headerKeys, mirrorHostsToml, setRegistryConfigPath, upstreamHostsToml, upstreamServer, type MirrorAccess,
} from '../../src/install/containerd.js';

const PLAIN: MirrorAccess = { registry: '10.0.0.5:5000', plainHttp: true, insecure: false };
const TLS: MirrorAccess = { registry: 'mirror.example:443', plainHttp: false, insecure: false };
const CERTS = '/etc/containerd/certs.d';

type Toml = Record<string, unknown> & { host?: Record<string, Record<string, unknown>> };

describe('hosts.toml for an upstream host', () => {
  it.each([
    ['quay.io', PLAIN, 'https://quay.io', 'http://10.0.0.5:5000/v2/quay.io', true],
    ['docker.io', PLAIN, 'https://registry-1.docker.io', 'http://10.0.0.5:5000/v2/docker.io', true],
    ['registry.k8s.io', TLS, 'https://registry.k8s.io', 'https://mirror.example:443/v2/registry.k8s.io', false],
    ['ghcr.io', { ...TLS, insecure: true }, 'https://ghcr.io', 'https://mirror.example:443/v2/ghcr.io', true],
  ])('%s via %o', (host, access, server, mirrorUrl, skipVerify) => {
    const doc = parse(upstreamHostsToml(host, access)) as Toml;
    expect(doc.server).toBe(server);
    // Exactly one mirror host, named by the mirror naming REGISTRY/<upstream host>/<repository>.
    expect(Object.keys(doc.host ?? {})).toEqual([mirrorUrl]);
    const entry = doc.host?.[mirrorUrl] ?? {};
    expect(entry.capabilities).toEqual(['pull', 'resolve']);
    expect(entry.override_path).toBe(true);
    expect(entry.skip_verify === true).toBe(skipVerify);
  });

  it('the upstream server keeps Docker Hub on its API host', () => {
    expect(upstreamServer('docker.io')).toBe('https://registry-1.docker.io');
    expect(upstreamServer('127.0.0.1:5001')).toBe('https://127.0.0.1:5001');
  });
});

describe('hosts.toml for the mirror itself', () => {
  it('says plain HTTP for a plain mirror and nothing for verified HTTPS', () => {
    expect(parse(mirrorHostsToml(PLAIN) ?? '')).toEqual({ server: 'http://10.0.0.5:5000', skip_verify: true });
    expect(parse(mirrorHostsToml({ ...TLS, insecure: true }) ?? '')).toEqual({ server: 'https://mirror.example:443', skip_verify: true });
    expect(mirrorHostsToml(TLS)).toBeUndefined();
  });
});

describe('table headers', () => {
  it.each([
    ['[plugins."io.containerd.grpc.v1.cri".registry]', ['plugins', 'io.containerd.grpc.v1.cri', 'registry']],
    ["  [ plugins . 'io.containerd.cri.v1.images' . registry ]  # comment", ['plugins', 'io.containerd.cri.v1.images', 'registry']],
    ['[plugins.cri.registry]', ['plugins', 'cri', 'registry']],
    ['[[proxy_plugins]]', undefined],
    ['config_path = "[x]"', undefined],
  ])('%s', (line, keys) => {
    expect(headerKeys(line)).toEqual(keys);
  });
});

const get = (text: string, path: string[]): unknown => path.reduce<unknown>((n, k) => (n as Record<string, unknown> | undefined)?.[k], parse(text));

describe('config.toml: config_path', () => {
  it('writes a minimal version 2 file when there is none', () => {
    const out = setRegistryConfigPath('', 'config.toml', CERTS);
    expect(get(out, ['version'])).toBe(2);
    expect(get(out, ['plugins', 'io.containerd.grpc.v1.cri', 'registry', 'config_path'])).toBe(CERTS);
  });

  it('replaces the empty config_path of a `containerd config default` file and changes nothing else', () => {
    const before = [
      'version = 2',
      'root = "/var/lib/containerd"',
      '',
      '[plugins]',
      '  [plugins."io.containerd.grpc.v1.cri"]',
      '    sandbox_image = "registry.k8s.io/pause:3.6"',
      '    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]',
      '      SystemdCgroup = true',
      '    [plugins."io.containerd.grpc.v1.cri".registry]',
      '      config_path = ""',
      '',
      '      [plugins."io.containerd.grpc.v1.cri".registry.auths]',
      '',
      '      [plugins."io.containerd.grpc.v1.cri".registry.mirrors]',
      '',
    ].join('\n');
    const after = setRegistryConfigPath(before, 'config.toml', CERTS);
    const changed = after.split('\n').filter((l, i) => l !== before.split('\n')[i]);
    expect(changed).toEqual([`      config_path = "${CERTS}"`]);
    expect(get(after, ['plugins', 'io.containerd.grpc.v1.cri', 'containerd', 'runtimes', 'runc', 'options', 'SystemdCgroup'])).toBe(true);
    // Running it again is a no-op.
    expect(setRegistryConfigPath(after, 'config.toml', CERTS)).toBe(after);
  });

  it('uses the containerd 2.x table for a version 3 file', () => {
    const before = 'version = 3\n\n[plugins."io.containerd.cri.v1.runtime"]\n  enable_selinux = false\n';
    const after = setRegistryConfigPath(before, 'config.toml', CERTS);
    expect(after.startsWith(before)).toBe(true);
    expect(get(after, ['plugins', 'io.containerd.cri.v1.images', 'registry', 'config_path'])).toBe(CERTS);
    expect(get(after, ['plugins', 'io.containerd.grpc.v1.cri'])).toBeUndefined();
  });

  it('adds the key under an existing table that lacks it, and treats a file without version as version 1', () => {
    const before = '[plugins.cri.registry]\n  # kept\n[plugins.cri.containerd]\n  snapshotter = "overlayfs"\n';
    const after = setRegistryConfigPath(before, 'config.toml', CERTS);
    expect(after).toBe(`[plugins.cri.registry]\n  config_path = "${CERTS}"\n  # kept\n[plugins.cri.containerd]\n  snapshotter = "overlayfs"\n`);
  });

  it('refuses inline mirrors, which containerd rejects beside config_path', () => {
    const before = 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]\n  endpoint = ["https://m.example"]\n';
    expect(() => setRegistryConfigPath(before, '/etc/containerd/config.toml', CERTS)).toThrow(InputError);
    expect(() => setRegistryConfigPath(before, '/etc/containerd/config.toml', CERTS)).toThrow(/^\/etc\/containerd\/config.toml: .*mirrors is set/);
  });

  it('names the file when it is not TOML, or written in a form it does not edit', () => {
    expect(() => setRegistryConfigPath('version = = 2', 'node/config.toml', CERTS)).toThrow(/^node\/config.toml: invalid TOML/);
    const dotted = 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  registry.config_path = ""\n';
    expect(() => setRegistryConfigPath(dotted, 'node/config.toml', CERTS)).toThrow(/^node\/config.toml: could not set .*by hand/);
  });
});
