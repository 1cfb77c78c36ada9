/**
 * What a source with durable positions offers the committer (Alpakka's committable offsets): offsets are opaque
 * to the engine and ordered per partition. `commit` persists, for each partition present, that everything up to
 * and including the given offset has been processed. Sources (SQL Server CDC, Service Bus, user sources) and
 * checkpoint stores implement it, so one committer serves them all.
 *
 * @example
 * const committable: Committable<{ table: string; lsn: bigint }> = {
 *   partitionOf: (o) => o.table,
 *   compare: (a, b) => (a.lsn < b.lsn ? -1 : a.lsn > b.lsn ? 1 : 0),
 *   commit: (offsets) => store.save(offsets),
 * };
 */
export interface Committable<Offset> {
  /** The partition an offset belongs to (offsets of one partition are totally ordered). */
  partitionOf(offset: Offset): string;
  /** Persists the given offsets (at most one per partition, the highest processed). */
  commit(offsets: readonly Offset[]): Promise<void>;
  /**
   * Optional: the order of two offsets of the same partition (negative if `a` comes before `b`, 0 if equal,
   * positive if after). With it, a committer without a tracker fails when an offset arrives that is lower than
   * one it already saw for its partition (an out-of-order acknowledgement it would otherwise commit past).
   * Without it, arrival order is taken as the order, and only `Committer.track` can detect reordering.
   */
  compare?(a: Offset, b: Offset): number;
}
