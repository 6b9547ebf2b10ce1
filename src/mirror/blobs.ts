/**
 * Blob transfer into the target registry: each blob crosses the network at most once per run.
 * A blob already in the target repository is skipped (HEAD); one already in another repository of
 * the target (landed earlier this run, or recorded by the lock of an earlier run) is mounted
 * (distribution spec "Mounting a blob from another repository"); anything else streams from the
 * source to the target, verified on the fly by the client, never held in memory.
 */
import pLimit, { type LimitFunction } from 'p-limit';
import type { Descriptor } from '../manifest.js';
import type { Registry, RepoName } from '../registry/types.js';

export interface BlobStats {
  /** Blobs streamed source -> target. */
  copied: number;
  /** Blobs the target repository already had. */
  skipped: number;
  /** Blobs mounted from another repository of the target. */
  mounted: number;
  /** Bytes streamed (copied blobs only). */
  bytes: number;
}

/** Repositories of the target that earlier runs filled, by blob digest (from the lock). */
export type KnownHomes = () => Promise<Map<string, RepoName>>;

export interface BlobCopierOptions {
  /** Blob operations in flight at once. */
  concurrency: number;
  knownHomes?: KnownHomes;
  /** A blob of `size` bytes starts streaming (progress total). */
  onTransfer?: (size: number) => void;
}

/** Called with the size of each chunk as it streams, for progress. */
export type OnBytes = (n: number) => void;

type BlobRef = Pick<Descriptor, 'digest' | 'size'>;

const repoKey = (r: RepoName): string => `${r.registry}/${r.repository}`;

/**
 * The source blob, opened only when the upload starts reading (a failed POST leaves no GET open).
 * A read failure is handed to `failed`: the upload then fails too, and the source's error is the one
 * worth reporting (a digest mismatch is the source's fault, not the target's).
 */
async function* sourceBlob(registry: Registry, from: RepoName, blob: BlobRef, onBytes: OnBytes | undefined, failed: (err: unknown) => void): AsyncIterable<Uint8Array> {
  try {
    for await (const chunk of await registry.openBlob(from, blob)) {
      onBytes?.(chunk.byteLength);
      yield chunk;
    }
  } catch (err) {
    failed(err);
    throw err;
  }
}

export class BlobCopier {
  readonly stats: BlobStats = { copied: 0, skipped: 0, mounted: 0, bytes: 0 };
  private readonly limit: LimitFunction;
  /** "target repo@digest" -> the blob is (being made) present there. */
  private readonly present = new Map<string, Promise<void>>();
  /** digest -> the first target repository it lands in this run. */
  private readonly homes = new Map<string, Promise<RepoName>>();
  private lockHomes: Promise<Map<string, RepoName>> | undefined;

  constructor(private readonly registry: Registry, private readonly opts: BlobCopierOptions) {
    this.limit = pLimit(Math.max(1, opts.concurrency));
  }

  /** Make `blob` present in `to`, reading it from `from` only when nothing else works. */
  ensure(from: RepoName, to: RepoName, blob: BlobRef, onBytes?: OnBytes): Promise<void> {
    const key = `${repoKey(to)}@${blob.digest}`;
    let done = this.present.get(key);
    if (!done) {
      done = this.transfer(from, to, blob, onBytes);
      this.present.set(key, done);
    }
    return done;
  }

  private async transfer(from: RepoName, to: RepoName, blob: BlobRef, onBytes?: OnBytes): Promise<void> {
    const earlier = this.homes.get(blob.digest);
    if (earlier === undefined) {
      const landing = this.land(from, to, blob, onBytes);
      this.homes.set(blob.digest, landing);
      await landing;
      return;
    }
    // Wait outside the limit: the first transfer may need a slot to finish.
    const home = await earlier.catch(() => undefined);
    if (await this.limit(() => this.registry.hasBlob(to, blob.digest))) {
      this.stats.skipped++;
    } else if (home && (await this.mount(to, blob, home))) {
      this.stats.mounted++;
    } else {
      await this.push(from, to, blob, onBytes);
    }
  }

  /** First time this run that `blob` is needed anywhere: skip, mount from the lock's repo, or push. */
  private async land(from: RepoName, to: RepoName, blob: BlobRef, onBytes?: OnBytes): Promise<RepoName> {
    if (await this.limit(() => this.registry.hasBlob(to, blob.digest))) {
      this.stats.skipped++;
      return to;
    }
    const known = (await this.knownHomes()).get(blob.digest);
    if (known && repoKey(known) !== repoKey(to) && (await this.mount(to, blob, known))) {
      this.stats.mounted++;
      return to;
    }
    await this.push(from, to, blob, onBytes);
    return to;
  }

  private mount(to: RepoName, blob: BlobRef, home: RepoName): Promise<boolean> {
    return this.limit(() => this.registry.mountBlob(to, blob.digest, home));
  }

  private async push(from: RepoName, to: RepoName, blob: BlobRef, onBytes?: OnBytes): Promise<void> {
    let sourceError: unknown;
    const failed = (err: unknown): void => {
      sourceError = err;
    };
    await this.limit(async () => {
      this.opts.onTransfer?.(blob.size);
      // A factory: the client re-opens the source when it retries an upload.
      await this.registry.pushBlob(to, blob, () => sourceBlob(this.registry, from, blob, onBytes, failed));
    }).catch((err: unknown) => {
      throw sourceError ?? err;
    });
    this.stats.copied++;
    this.stats.bytes += blob.size;
  }

  /** Loaded once, and only when some blob is missing: a warm run never pays for it. */
  private knownHomes(): Promise<Map<string, RepoName>> {
    this.lockHomes ??= this.opts.knownHomes ? this.opts.knownHomes().catch(() => new Map()) : Promise.resolve(new Map());
    return this.lockHomes;
  }
}
