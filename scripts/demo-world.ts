/**
 * The demo's stand-in for the 2020 internet: one real docker-registry per upstream host, seeded
 * with skopeo with the 2020 stack's images under their real names and the platform sets the
 * original support table describes, plus a static server standing in for gvisor's release
 * bucket. Used by `npm run demo` (compiled by scripts/tsconfig.json) and test/e2e-demo.test.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRegistry, type RunningRegistry } from '../test/support/registry.js';
import { seed, type SeedImage } from '../test/support/seed.js';

const AMD64 = ['linux/amd64'];
const ARM64 = ['linux/arm64'];
const TWO = ['linux/amd64', 'linux/arm64'];
const THREE = ['linux/amd64', 'linux/arm64', 'linux/arm/v7'];
const FIVE = ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/ppc64le', 'linux/s390x'];

const single = (name: string, platforms: string[]): SeedImage => ({ name, platforms, single: true, docker: true });
const index = (name: string, platforms: string[]): SeedImage => ({ name, platforms });
const list = (name: string, platforms: string[]): SeedImage => ({ name, platforms, docker: true });

/** Images per upstream host, as the 2020 registries served them (as far as the table tells). */
export const DEMO_IMAGES: Record<string, SeedImage[]> = {
  'docker.io': [
    index('calico/cni:v3.10.1', ['linux/amd64', 'linux/arm64', 'linux/ppc64le']),
    index('calico/node:v3.10.1', ['linux/amd64', 'linux/arm64', 'linux/ppc64le']),
    index('calico/pod2daemon-flexvol:v3.10.1', ['linux/amd64', 'linux/arm64', 'linux/ppc64le']),
    index('egernst/coreos-flannel:v0.11.0', TWO),
    list('kubernetesui/dashboard:v2.0.0-beta2', FIVE),
    single('kubernetesui/metrics-scraper:v1.0.1', AMD64),
    list('kubernetesui/metrics-scraper:v1.0.2', FIVE),
    single('fluent/fluentd-kubernetes-daemonset:v1.10.4-debian-elasticsearch7-1.0', AMD64),
    single('fluent/fluentd-kubernetes-daemonset:v1.10.4-debian-elasticsearch7-arm64-1.0', ARM64),
    { name: 'grafana/grafana:6.6.0', platforms: THREE, attestations: true },
    list('prom/node-exporter:v0.18.1', FIVE),
    index('carlosedp/kube-state-metrics:v1.9.5', THREE),
    index('carlosedp/k8s-prometheus-adapter:v0.6.0', THREE),
    index('carlosedp/prometheus-operator:v0.37.0', THREE),
    index('carlosedp/kube-rbac-proxy:v0.5.0', THREE),
    list('rook/ceph:v1.2.6', TWO),
    list('ceph/ceph:v14.2.8', TWO),
    single('katadocker/kata-deploy:1.9.1', AMD64),
    list('jettech/kube-webhook-certgen:v1.2.0', THREE),
    list('metallb/controller:v0.8.3', FIVE),
    list('metallb/speaker:v0.8.3', FIVE),
  ],
  'quay.io': [
    single('coreos/flannel:v0.11.0', AMD64),
    single('coreos/flannel:v0.11.0-arm64', ARM64),
    single('coreos/configmap-reload:v0.0.1', AMD64),
    single('coreos/k8s-prometheus-adapter-amd64:v0.5.0', AMD64),
    single('coreos/kube-rbac-proxy:v0.4.1', AMD64),
    single('coreos/kube-state-metrics:v1.9.5', AMD64),
    single('coreos/prometheus-config-reloader:v0.38.1', AMD64),
    single('coreos/prometheus-operator:v0.38.1', AMD64),
    list('prometheus/prometheus:v2.15.2', FIVE),
    list('prometheus/alertmanager:v0.20.0', FIVE),
    single('prometheus/node-exporter:v0.18.1', AMD64),
    index('cephcsi/cephcsi:v2.0.0', TWO),
    list('k8scsi/csi-node-driver-registrar:v1.2.0', FIVE),
    list('k8scsi/csi-provisioner:v1.4.0', FIVE),
    list('k8scsi/csi-snapshotter:v1.2.2', FIVE),
    list('k8scsi/csi-attacher:v2.1.0', FIVE),
    list('kubernetes-ingress-controller/nginx-ingress-controller:0.32.0', THREE),
  ],
  'k8s.gcr.io': [
    single('metrics-server-amd64:v0.3.6', AMD64),
    single('metrics-server-arm64:v0.3.6', ARM64),
  ],
  'gcr.io': [list('k8s-staging-metrics-server/metrics-server:v0.3.7', FIVE)],
  'docker.elastic.co': [
    single('eck/eck-operator:1.1.2', AMD64),
    single('elasticsearch/elasticsearch:7.7.0', AMD64),
    single('kibana/kibana:7.7.0', AMD64),
  ],
};

/** Release files the stand-in bucket serves: gvisor had x86_64 builds only. */
export const DEMO_FILES: Record<string, string[]> = {
  'storage.googleapis.com': ['/gvisor/releases/release/latest/x86_64/runsc'],
};

/** The project folder: the nearest parent with our package.json (source and compiled alike). */
export function projectRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'ampere-images') return dir;
    if (dirname(dir) === dir) throw new Error(`no ampere-images package.json above ${from}`);
  }
}

function startFileServer(paths: string[]): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const found = paths.includes(new URL(req.url ?? '/', 'http://x').pathname);
    res.writeHead(found ? 200 : 404, { 'content-type': 'application/octet-stream' }).end(found && req.method === 'GET' ? 'runsc' : undefined);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      resolve({ server, url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}` });
    });
  });
}

export interface DemoWorld {
  /** upstream host -> "http://127.0.0.1:PORT" */
  upstreams: Record<string, string>;
  /** `--upstream HOST=URL` for each stand-in, ready for the command line. */
  upstreamArgs: string[];
  /** Images pushed. */
  seeded: number;
  stop(): Promise<void>;
}

/** Run `tasks` with at most `n` at once (skopeo is CPU-bound; the machine may be shared). */
async function inBatches<T>(items: T[], n: number, task: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: n }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await task(item);
  }));
}

export async function startDemoWorld(log: (line: string) => void = () => {}): Promise<DemoWorld> {
  const config = join(projectRoot(), 'test', 'registry-config.yml');
  const registries: RunningRegistry[] = [];
  const servers: Server[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(registries.map((r) => r.stop()));
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  };
  try {
    const upstreams: Record<string, string> = {};
    for (const host of Object.keys(DEMO_IMAGES)) {
      const registry = await startRegistry({ config });
      registries.push(registry);
      upstreams[host] = registry.url;
      log(`${host} -> ${registry.url}`);
    }
    for (const [host, paths] of Object.entries(DEMO_FILES)) {
      const { server, url } = await startFileServer(paths);
      servers.push(server);
      upstreams[host] = url;
      log(`${host} -> ${url}`);
    }
    const jobs = Object.entries(DEMO_IMAGES).flatMap(([host, images]) => images.map((image) => ({ host, image })));
    await inBatches(jobs, 3, async ({ host, image }) => {
      await seed(new URL(upstreams[host]!).host, [image]);
    });
    log(`seeded ${jobs.length} images with skopeo`);
    const upstreamArgs = Object.entries(upstreams).flatMap(([host, url]) => ['--upstream', `${host}=${url}`]);
    return { upstreams, upstreamArgs, seeded: jobs.length, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
