import type { Committable } from '../context/committable';
import { requireFunction } from '../core/validate';
import type { CheckpointStore } from './checkpoint-store';
import { requireCheckpointKey } from './keys';
import { KeyedSerializer } from './serializer';

/** Options of `CheckpointCommitter`. */
export interface CheckpointCommitterOptions<Offset, Doc> {
  /** The partition an offset belongs to (offsets of one partition are totally ordered). */
  readonly partitionOf: (offset: Offset) => string;
  /**
   * Optional order of two offsets of one partition (negative if `a` comes first); lets `Committer.sink` detect
   * offsets acknowledged out of order (see `Committable.compare`).
   */
  readonly compare?: (a: Offset, b: Offset) => number;
  /**
   * The next document: `current` (`undefined` before the first checkpoint) with `offsets` (one per partition,
   * the highest processed) applied. Must not modify `current`.
   */
  readonly merge: (current: Doc | undefined, offsets: ReadonlyMap<string, Offset>) => Doc;
}

/** The checkpoint document of `CheckpointCommitter.perPartition`: the last committed offset of each partition. */
export interface PartitionOffsets<Offset> {
  readonly offsets: Readonly<Record<string, Offset>>;
}

/**
 * Persists committed offsets in one checkpoint document: the `Committable` a `Committer.sink` calls with the
 * acknowledged offsets (the committer sink batches by count and time and commits only contiguous, acknowledged
 * offsets; this class only stores them).
 *
 * Each `commit` merges the offsets into the document and saves it with the version it last read or wrote, so a
 * concurrent writer makes the commit fail with `CheckpointConflictError` instead of being overwritten. Commits
 * are serialized: one save at a time, in call order.
 *
 * @example
 * const committer = CheckpointCommitter.perPartition(store, 'orders', { partitionOf: (o: Offset) => o.table });
 * const resumeFrom = (await committer.load())?.offsets; // where the source starts
 * source.via(publish).toMat(Committer.sink(committer, { maxBatch: 100, maxIntervalMs: 1000 }), Keep.right);
 */
export class CheckpointCommitter<Offset, Doc> implements Committable<Offset> {
  /** A committer whose document is `{ offsets: { [partition]: offset } }`. */
  static perPartition<Offset>(
    store: CheckpointStore<PartitionOffsets<Offset>>,
    key: string,
    options: Omit<CheckpointCommitterOptions<Offset, PartitionOffsets<Offset>>, 'merge'>,
  ): CheckpointCommitter<Offset, PartitionOffsets<Offset>> {
    return new CheckpointCommitter(store, key, {
      ...options,
      merge: (current, offsets) => ({ offsets: { ...current?.offsets, ...Object.fromEntries(offsets) } }),
    });
  }

  readonly compare?: (a: Offset, b: Offset) => number;
  private readonly serial = new KeyedSerializer();
  /** What this committer last read or wrote; `undefined` until the first load. */
  private state: { readonly doc: Doc | undefined; readonly version: string | undefined } | undefined;

  constructor(
    private readonly store: CheckpointStore<Doc>,
    private readonly key: string,
    private readonly options: CheckpointCommitterOptions<Offset, Doc>,
  ) {
    requireCheckpointKey('CheckpointCommitter', key);
    requireFunction('CheckpointCommitter', 'partitionOf', options?.partitionOf);
    requireFunction('CheckpointCommitter', 'merge', options?.merge);
    if (options.compare !== undefined) {
      requireFunction('CheckpointCommitter', 'compare', options.compare);
      this.compare = options.compare;
    }
  }

  partitionOf(offset: Offset): string {
    return this.options.partitionOf(offset);
  }

  /**
   * Reads the checkpoint (where the source should resume) and remembers its version for the next commit. Call
   * it once when starting, as the owner; `commit` loads by itself if it was not called.
   */
  load(): Promise<Doc | undefined> {
    return this.serial.run('', async () => (await this.reload()).doc);
  }

  /** Merges `offsets` (at most one per partition; a later one wins) into the document and saves it. */
  commit(offsets: readonly Offset[]): Promise<void> {
    return this.serial.run('', async () => {
      if (offsets.length === 0) return;
      const current = this.state ?? (await this.reload());
      const byPartition = new Map<string, Offset>();
      for (const offset of offsets) byPartition.set(this.options.partitionOf(offset), offset);
      const doc = this.options.merge(current.doc, byPartition);
      const version = await this.store.save(this.key, doc, current.version);
      this.state = { doc, version };
    });
  }

  private async reload(): Promise<{ readonly doc: Doc | undefined; readonly version: string | undefined }> {
    const loaded = await this.store.load(this.key);
    this.state = { doc: loaded?.value, version: loaded?.version };
    return this.state;
  }
}
