/**
 * Where a separate arm64 image of a reference may live, by the conventions projects used before
 * multi-arch indexes were common. Pure: names only; whether a candidate really offers
 * linux/arm64 is checked against the registry by inspect.ts.
 */
import { DOCKER_HUB, formatReference, parseReference, withRef, type ImageRef } from '../reference.js';

const TAG_SUFFIXES = ['-arm64', '-aarch64'];

/** Per-arch tags: "v0.11.0" -> "v0.11.0-arm64", "v0.11.0-aarch64" (an "-amd64" tag is swapped). */
function tagCandidates(ref: ImageRef): ImageRef[] {
  if (ref.tag === undefined) return [];
  const base = ref.tag.replace(/-(amd64|x86_64)$/, '');
  return TAG_SUFFIXES.map((suffix) => withRef(ref, { tag: `${base}${suffix}`, digest: undefined }));
}

/** Per-arch repositories: "metrics-server-amd64" -> "metrics-server-arm64", "flannel" -> "flannel-arm64". */
function repositoryCandidate(ref: ImageRef): ImageRef | undefined {
  if (ref.tag === undefined) return undefined;
  const base = ref.repository.replace(/-(amd64|x86_64)$/, '');
  return withRef(ref, { repository: `${base}-arm64`, digest: undefined });
}

/** Docker Hub official images publish per-arch copies under arm64v8/: "library/nginx" -> "arm64v8/nginx". */
function officialCandidate(ref: ImageRef): ImageRef | undefined {
  if (ref.tag === undefined || ref.registry !== DOCKER_HUB || !ref.repository.startsWith('library/')) return undefined;
  return withRef(ref, { repository: `arm64v8/${ref.repository.slice('library/'.length)}`, digest: undefined });
}

/**
 * Candidates in the order they are tried: declared alternates first (the catalog knows best),
 * then per-arch tags, per-arch repository, Docker Hub arm64v8/. Distinct, never the ref itself.
 */
export function alternateCandidates(ref: string, declared: readonly string[] = []): string[] {
  const parsed = parseReference(ref);
  const conventional = [...tagCandidates(parsed), repositoryCandidate(parsed), officialCandidate(parsed)]
    .filter((r): r is ImageRef => r !== undefined)
    .map(formatReference);
  const self = formatReference(parsed);
  const seen = new Set<string>([self]);
  const out: string[] = [];
  for (const candidate of [...declared.map((d) => formatReference(parseReference(d))), ...conventional]) {
    if (seen.has(candidate)) continue;
    seen.add(candidate);
    out.push(candidate);
  }
  return out;
}
