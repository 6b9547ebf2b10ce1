/**
 * Reads /work/shared/corpus/SOURCES.md (the folder `shared` beside the project): per corpus file,
 * the image references a reviewer listed with their location class and line. Used by the corpus
 * tests, which skip when the folder is absent (a user's clone).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CORPUS = fileURLToPath(new URL('../../../shared/corpus', import.meta.url));
export const HAS_CORPUS = existsSync(`${CORPUS}/SOURCES.md`);

export interface ListedRef {
  /** As listed: "quay.io/calico/cni:v3.31.7", "rook/ceph:v1.3.0". */
  ref: string;
  /** "containers[].image", "comment (in ConfigMap data)", "Prometheus field spec.baseImage". */
  location: string;
  line: number;
}

export interface CorpusFile {
  /** Relative to the corpus folder: "rook-ceph/rook_rook__deploy_examples_operator@a3e02e607d.yaml". */
  file: string;
  refs: ListedRef[];
}

/** One `- \`file\` | … | images (N): ref [location, Lline]; … | notes: …` line per file. */
export function readSources(): CorpusFile[] {
  const text = readFileSync(`${CORPUS}/SOURCES.md`, 'utf8');
  const out: CorpusFile[] = [];
  for (const line of text.split('\n')) {
    const head = /^- `([^`]+)` \|/.exec(line);
    if (!head) continue;
    const images = /\| images \((\d+)\): (.*?)(?: \| notes:|$)/.exec(line);
    if (!images) throw new Error(`SOURCES.md: no images field for ${head[1]}`);
    const refs = [...images[2]!.matchAll(/(\S+) \[(.+?), L(\d+)\]/g)].map((m) => ({ ref: m[1]!, location: m[2]!, line: Number(m[3]) }));
    if (refs.length !== Number(images[1])) throw new Error(`SOURCES.md: ${head[1]} lists ${images[1]} images, read ${refs.length}`);
    out.push({ file: head[1]!, refs });
  }
  return out;
}

export const isCommented = (r: ListedRef): boolean => r.location.startsWith('comment');
