/**
 * Non-image release files (gvisor's runsc) checked per architecture by HTTP HEAD. The URL's host
 * goes through the same `--upstream HOST=URL` mapping the registry client uses, so a local
 * server can stand in for a release bucket exactly as a local registry stands in for docker.io.
 */
import type { StackArtifact } from '../stack-types.js';

export type ArtifactState = 'present' | 'absent' | 'error';
export const ARTIFACT_ARCHES = ['amd64', 'arm64'] as const;
export type ArtifactArch = (typeof ARTIFACT_ARCHES)[number];

export interface ArtifactReport {
  /** As declared: "https://storage.googleapis.com/gvisor/releases/release/latest/{uname}/runsc". */
  url: string;
  arches: Record<ArtifactArch, ArtifactState>;
}

/** Answers whether a URL exists; injected so the rollup stays pure and testable. */
export type ArtifactProbe = (url: string) => Promise<ArtifactState>;

const UNAME: Record<ArtifactArch, string> = { amd64: 'x86_64', arm64: 'aarch64' };

/** The URL for one architecture: {arch} is the Go name, {uname} the kernel's. */
export function artifactUrl(template: string, arch: ArtifactArch): string {
  return template.replaceAll('{arch}', arch).replaceAll('{uname}', UNAME[arch]);
}

/** Rewrite the URL's origin when its host has an upstream, keeping path and query. */
export function mapUpstream(url: string, upstreams: Record<string, string>): string {
  const parsed = new URL(url);
  const base = upstreams[parsed.host];
  if (base === undefined) return url;
  return `${base.replace(/\/+$/, '')}${parsed.pathname}${parsed.search}`;
}

/** HEAD through fetch, following redirects (release hosts redirect to storage). */
export function createArtifactProbe(upstreams: Record<string, string>, timeoutMs = 30_000): ArtifactProbe {
  return async (url) => {
    try {
      const res = await fetch(mapUpstream(url, upstreams), { method: 'HEAD', redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
      if (res.ok) return 'present';
      // Storage buckets answer 403 rather than 404 for a missing object when listing is private.
      return res.status === 404 || res.status === 403 || res.status === 410 ? 'absent' : 'error';
    } catch {
      return 'error';
    }
  };
}

export async function checkArtifacts(artifacts: StackArtifact[], probe: ArtifactProbe): Promise<ArtifactReport[]> {
  const out: ArtifactReport[] = [];
  for (const artifact of artifacts) {
    const [amd64, arm64] = await Promise.all(ARTIFACT_ARCHES.map((arch) => probe(artifactUrl(artifact.url, arch))));
    out.push({ url: artifact.url, arches: { amd64: amd64!, arm64: arm64! } });
  }
  return out;
}
